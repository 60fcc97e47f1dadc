using System.Diagnostics;
using GaNas.Runtime;
using GaNas.Search.AutoML;
using GaNas.Search.Strategies;

namespace GaNas.Search;

/// <summary>Progress of a running search.</summary>
/// <param name="Evaluations">Unique architectures evaluated so far.</param>
/// <param name="Budget">Evaluation budget (int.MaxValue when only time-limited).</param>
/// <param name="Latest">The trial that just finished.</param>
/// <param name="Elapsed">Wall time so far.</param>
public readonly record struct NasProgress(int Evaluations, int Budget, TrialResult Latest, TimeSpan Elapsed);

/// <summary>The outcome of a search.</summary>
/// <param name="Best">The best trial by the score over all evaluated architectures; null when none finished.</param>
/// <param name="Trials">Every trial, in order (Loss and Metric ranked over all of them).</param>
/// <param name="Seconds">Wall time of this run (a resumed run counts its own time only).</param>
/// <param name="Cancelled">Whether cancellation or the time budget ended the search early.</param>
/// <param name="ResumedTrials">Trials replayed from the checkpoint.</param>
public sealed record NasExperimentResult(TrialResult? Best, IReadOnlyList<TrialResult> Trials, double Seconds, bool Cancelled, int ResumedTrials)
{
    /// <summary>Unique architectures evaluated.</summary>
    public int Evaluations => Trials.Count;

    /// <summary>Trials that threw.</summary>
    public int FailedTrials => Trials.Count(t => t.Failed);

    /// <summary>
    /// With <see cref="NasExperiment.SetFinalistRescoring"/>, how the final candidates were scored again and which one
    /// <see cref="Best"/> is; null otherwise (and after cancellation, which skips it).
    /// </summary>
    public FinalistSelection? Finalists { get; init; }
}

/// <summary>
/// The experiment loop, shaped like ML.NET AutoML's: propose, run, update, until the evaluation or
/// time budget is spent or the search is cancelled; a trial that throws is still reported to the tuner
/// (loss = +inf); cancellation returns the best so far. With a checkpoint file, the history is saved
/// atomically every few trials and a restarted search replays it, so a killed search resumed with the
/// same seed ends with exactly the architecture an unbroken run finds.
/// </summary>
public sealed class NasExperiment
{
    private SearchStrategy? _strategy;
    private ITrialRunner? _runner;
    private int _budget = int.MaxValue;
    private TimeSpan? _timeBudget;
    private IProgress<NasProgress>? _progress;
    private IMonitor? _monitor;
    private string? _checkpoint;
    private int _checkpointEvery = 10;
    private int _workers = 1;
    private FinalistRescoring? _finalists;

    /// <summary>Sets the search strategy that proposes architectures (AutoML: <c>SetTuner</c>).</summary>
    public NasExperiment SetTuner(SearchStrategy tuner)
    {
        _strategy = tuner ?? throw new ArgumentNullException(nameof(tuner));
        return this;
    }

    /// <summary>Sets the trial runner.</summary>
    public NasExperiment SetTrialRunner(ITrialRunner runner)
    {
        _runner = runner ?? throw new ArgumentNullException(nameof(runner));
        return this;
    }

    /// <summary>Sets the number of unique architectures to evaluate (AutoML: <c>SetMaxModelToExplore</c>).</summary>
    public NasExperiment SetMaxModelToExplore(int maxModelToExplore)
    {
        if (maxModelToExplore < 1) throw new ArgumentOutOfRangeException(nameof(maxModelToExplore), maxModelToExplore, "The budget must allow at least one evaluation.");
        _budget = maxModelToExplore;
        return this;
    }

    /// <summary>
    /// Sets a wall-time budget for this run, in seconds (AutoML: <c>SetTrainingTimeInSeconds</c>, there a whole number;
    /// fractions are allowed here). No new trial starts once it is spent; the best so far is returned.
    /// </summary>
    public NasExperiment SetTrainingTimeInSeconds(double trainingTimeInSeconds)
    {
        if (!(trainingTimeInSeconds > 0) || !double.IsFinite(trainingTimeInSeconds))
            throw new ArgumentOutOfRangeException(nameof(trainingTimeInSeconds), trainingTimeInSeconds, "The time budget must be a positive number of seconds.");
        _timeBudget = TimeSpan.FromSeconds(trainingTimeInSeconds);
        return this;
    }

    /// <summary>Receives each trial as it starts, completes or fails, and each new best (AutoML: <c>SetMonitor</c>).</summary>
    public NasExperiment SetMonitor(IMonitor monitor)
    {
        _monitor = monitor ?? throw new ArgumentNullException(nameof(monitor));
        return this;
    }

    /// <summary>Receives progress after every trial.</summary>
    public NasExperiment SetProgress(IProgress<NasProgress> progress)
    {
        _progress = progress;
        return this;
    }

    /// <summary>Saves the history to <paramref name="path"/> every <paramref name="every"/> trials and resumes from it when it exists.</summary>
    public NasExperiment SetCheckpoint(string path, int every = 10)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (every < 1) throw new ArgumentOutOfRangeException(nameof(every), every, "Checkpoint at least every trial.");
        _checkpoint = path;
        _checkpointEvery = every;
        return this;
    }

    /// <summary>
    /// Evaluates up to <paramref name="workers"/> proposals at once (the runner must then be thread-safe).
    /// Only proposals the strategy declares independent (<see cref="SearchStrategy.ProposalsReady"/>) run
    /// together, and results are applied in proposal order, so the search is the sequential one. A worker
    /// whose trial finished before an earlier, slower one starts the next ready proposal at once.
    /// </summary>
    public NasExperiment SetWorkers(int workers)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "At least one worker is needed.");
        _workers = workers;
        return this;
    }

    /// <summary>
    /// After the search, scores its best candidates again under other weight initialisations and returns the best of
    /// them by the averaged values (<see cref="FinalistRescoring"/>); <see cref="NasExperimentResult.Best"/> is then that
    /// finalist. A cancelled search skips it; one ended by the time budget does not (it costs a fixed few evaluations).
    /// </summary>
    public NasExperiment SetFinalistRescoring(FinalistRescoring finalists)
    {
        _finalists = finalists ?? throw new ArgumentNullException(nameof(finalists));
        return this;
    }

    /// <summary>Runs the search.</summary>
    public async Task<NasExperimentResult> RunAsync(CancellationToken ct = default)
    {
        SearchStrategy strategy = _strategy ?? throw new InvalidOperationException("Call SetTuner before RunAsync.");
        ITrialRunner runner = _runner ?? throw new InvalidOperationException("Call SetTrialRunner before RunAsync.");
        var watch = Stopwatch.StartNew();
        int resumed = 0;
        if (_checkpoint is not null && File.Exists(_checkpoint))
        {
            resumed = SearchCheckpoint.Replay(_checkpoint, strategy, EvaluationFingerprint(runner), _budget);
        }
        bool stoppedEarly = false;
        int sinceSave = 0;
        TrialResult? best = null;
        var inFlight = new OrderedWork<TrialSettings, TrialResult>();
        while (true)
        {
            while (!stoppedEarly && Busy(inFlight) < _workers && strategy.History.Count + inFlight.Count < _budget && strategy.ProposalsReady > 0)
            {
                if (ct.IsCancellationRequested || (_timeBudget is { } limit && watch.Elapsed >= limit))
                {
                    stoppedEarly = true;
                    break;
                }
                var proposal = new TrialSettings { TrialId = strategy.History.Count + inFlight.Count, StartedAtUtc = DateTime.UtcNow };
                proposal.Parameter = strategy.Propose(proposal);
                _monitor?.ReportRunningTrial(proposal);
                inFlight.Add(proposal, Start(runner, proposal, ct));
            }
            if (inFlight.Count == 0) break;
            // Results are applied in proposal order, but a worker that finished behind a slower oldest trial
            // takes the next independent proposal now instead of idling until the oldest completes.
            if (_workers > 1 && !await inFlight.WaitForOldestOrFreeWorkerAsync().ConfigureAwait(false)) continue;
            var (settings, run) = inFlight.Take();
            TrialResult result;
            Exception? failure = null;
            try
            {
                result = await run.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                stoppedEarly = true;
                await inFlight.DrainAsync().ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failure = ex;
                result = new TrialResult
                {
                    TrialSettings = settings,
                    Error = $"{ex.GetType().Name}: {ex.Message}",
                    Loss = double.PositiveInfinity,
                    Metric = double.NegativeInfinity,
                    DurationInMilliseconds = (DateTime.UtcNow - settings.StartedAtUtc).TotalMilliseconds,
                };
            }
            settings.EndedAtUtc = DateTime.UtcNow;
            if (!result.Failed && strategy.History.Score.IsSingleProxy)
            {
                double v = result.ProxyValues.GetValueOrDefault(strategy.History.Score.Terms[0].Proxy, double.NegativeInfinity);
                result.Metric = double.IsFinite(v) ? v : double.NegativeInfinity;
                result.Loss = -result.Metric;
            }
            else if (!result.Failed)
            {
                result.Loss = result.Metric = double.NaN; // ranked over all trials when the search ends
            }
            strategy.Update(result);
            _progress?.Report(new NasProgress(strategy.History.Count, _budget, result, watch.Elapsed));
            if (_monitor is not null) best = Monitor(_monitor, strategy.History, result, failure, best);
            if (_checkpoint is not null && ++sinceSave >= _checkpointEvery)
            {
                SearchCheckpoint.Save(_checkpoint, strategy, EvaluationFingerprint(runner));
                sinceSave = 0;
            }
        }
        if (_checkpoint is not null && sinceSave > 0) SearchCheckpoint.Save(_checkpoint, strategy, EvaluationFingerprint(runner));
        AssignHybridLosses(strategy.History);
        FinalistSelection? finalists = _finalists is not null && !ct.IsCancellationRequested ? _finalists.Select(strategy.History, ct) : null;
        return new NasExperimentResult(finalists?.Best ?? strategy.History.Best(), strategy.History.Trials, watch.Elapsed.TotalSeconds, stoppedEarly, resumed)
        {
            Finalists = finalists,
        };
    }

    /// <summary>
    /// Tells the monitor how a trial ended and, when the best trial of the history is another one than before, which
    /// one it is now (with a hybrid score, the best is ranked within the pool, so it can move to an earlier trial).
    /// </summary>
    private static TrialResult? Monitor(IMonitor monitor, SearchHistory history, TrialResult result, Exception? failure, TrialResult? best)
    {
        if (result.Failed) monitor.ReportFailTrial(result.TrialSettings, failure);
        else monitor.ReportCompletedTrial(result);
        TrialResult? now = history.Best();
        if (now is not null && !ReferenceEquals(now, best)) monitor.ReportBestTrial(now);
        return now ?? best;
    }

    /// <summary>
    /// Workers in use: with several workers, the trials still running (finished trials waiting behind a slower
    /// one hold no worker); with one, every trial not yet applied (it ran inline, so the search stays strictly
    /// propose-run-update).
    /// </summary>
    private int Busy(OrderedWork<TrialSettings, TrialResult> inFlight) => _workers == 1 ? inFlight.Count : inFlight.Running;

    private Task<TrialResult> Start(ITrialRunner runner, TrialSettings settings, CancellationToken ct)
    {
        if (_workers == 1) return RunInline(runner, settings, ct);
        return Task.Run(() => runner.RunAsync(settings, ct), CancellationToken.None);
    }

    /// <summary>What the runner's values depend on; a runner that cannot say is identified by its type only.</summary>
    private static RunFingerprint EvaluationFingerprint(ITrialRunner runner) => runner is IFingerprinted f
        ? f.Fingerprint
        : new RunFingerprint([new KeyValuePair<string, string>("runner", runner.GetType().FullName ?? runner.GetType().Name)]);

    private static Task<TrialResult> RunInline(ITrialRunner runner, TrialSettings settings, CancellationToken ct)
    {
        try
        {
            return runner.RunAsync(settings, ct);
        }
        catch (Exception ex)
        {
            return Task.FromException<TrialResult>(ex);
        }
    }

    private static void AssignHybridLosses(SearchHistory history)
    {
        if (history.Score.IsSingleProxy || history.Count == 0) return;
        double[] scores = history.NormalizedPoolScores(history.Trials.Select(t => t.Genome).ToArray());
        for (int i = 0; i < scores.Length; i++)
        {
            TrialResult t = history.Trials[i];
            if (t.Failed) continue;
            t.Metric = scores[i];
            t.Loss = -scores[i];
        }
    }
}
