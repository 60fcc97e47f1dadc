using GaNas.Scoring;
using GaNas.Search;
using GaNas.Search.AutoML;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;

namespace GaNas.Tests.Search;

/// <summary>A deterministic landscape: proxy "sum" = sum of genes, "hash" = a scrambled code; throws on request.</summary>
internal sealed class SyntheticRunner(ISearchSpace space, Func<Genome, bool>? fails = null) : ITrialRunner
{
    public int Runs { get; private set; }

    public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        Runs++;
        Genome g = settings.Parameter.Genome;
        if (fails?.Invoke(g) == true) throw new InvalidOperationException("synthetic failure");
        long code = space.Encode(g);
        int sum = 0;
        foreach (int gene in g.Genes) sum += gene;
        return Task.FromResult(new TrialResult
        {
            TrialSettings = settings,
            ProxyValues = new Dictionary<string, double> { ["sum"] = sum, ["hash"] = (code * 7919) % 10007 },
            DurationInMilliseconds = 1,
        });
    }

    public void Dispose() { }
}

/// <summary>The synthetic landscape, thread-safe, with per-architecture delays so that concurrent trials finish out of order.</summary>
internal sealed class SlowConcurrentRunner(ISearchSpace space) : ITrialRunner
{
    private readonly SyntheticRunner _inner = new(space);
    private readonly object _gate = new();
    private int _running;

    public int MaxConcurrent { get; private set; }

    public async Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct)
    {
        lock (_gate) MaxConcurrent = Math.Max(MaxConcurrent, ++_running);
        try
        {
            await Task.Delay((int)(space.Encode(settings.Parameter.Genome) % 3), ct);
            lock (_gate) return _inner.RunAsync(settings, ct).Result;
        }
        finally
        {
            lock (_gate) _running--;
        }
    }

    public void Dispose() { }
}

/// <summary>Trial 0 finishes only after trial 2 has finished (or after a timeout): a worker must not idle behind it.</summary>
internal sealed class SlowHeadRunner(ISearchSpace space) : ITrialRunner
{
    private readonly SyntheticRunner _inner = new(space);
    private readonly TaskCompletionSource _thirdDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private int _running;

    public bool HeadReleasedByThird { get; private set; }

    public int MaxRunning { get; private set; }

    public async Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct)
    {
        lock (_gate) MaxRunning = Math.Max(MaxRunning, ++_running);
        try
        {
            if (settings.TrialId == 0)
            {
                HeadReleasedByThird = await Task.WhenAny(_thirdDone.Task, Task.Delay(TimeSpan.FromSeconds(20), ct)) == _thirdDone.Task;
            }
            lock (_gate) return _inner.RunAsync(settings, ct).Result;
        }
        finally
        {
            lock (_gate) _running--;
            if (settings.TrialId == 2) _thirdDone.TrySetResult();
        }
    }

    public void Dispose() { }
}

public class SearchTests : IDisposable
{
    private static readonly ISearchSpace Space = TopologySearchSpace.Instance;
    private static readonly HybridScore Score = HybridScore.Parse("sum+hash");
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-search-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Strategies => new() { "rs", "ga", "sa", "rea" };

    private static NasExperimentResult Run(SearchStrategy strategy, int budget, ITrialRunner? runner = null, string? checkpoint = null, IProgress<NasProgress>? progress = null, CancellationToken ct = default)
    {
        var experiment = new NasExperiment().SetTuner(strategy).SetTrialRunner(runner ?? new SyntheticRunner(Space)).SetMaxModelToExplore(budget);
        if (checkpoint is not null) experiment.SetCheckpoint(checkpoint, every: 7);
        if (progress is not null) experiment.SetProgress(progress);
        return experiment.RunAsync(ct).GetAwaiter().GetResult();
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void No_architecture_is_evaluated_twice(string name)
    {
        var runner = new SyntheticRunner(Space);
        var result = Run(StrategyRegistry.Create(name, Space, Score, 3), 1000, runner);
        result.Evaluations.Should().Be(1000);
        runner.Runs.Should().Be(1000);
        result.Trials.Select(t => t.Genome).Distinct().Should().HaveCount(1000);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task Concurrent_workers_give_exactly_the_sequential_search(string name)
    {
        var sequential = Run(StrategyRegistry.Create(name, Space, Score, 8), 250);
        var runner = new SlowConcurrentRunner(Space);
        var concurrent = await new NasExperiment().SetTuner(StrategyRegistry.Create(name, Space, Score, 8)).SetTrialRunner(runner)
            .SetMaxModelToExplore(250).SetWorkers(4).RunAsync();
        concurrent.Trials.Select(t => t.Genome).Should().Equal(sequential.Trials.Select(t => t.Genome));
        concurrent.Best!.Genome.Should().Be(sequential.Best!.Genome);
        if (name is "rs" or "ga" or "rea") runner.MaxConcurrent.Should().BeGreaterThan(1, "their populations are independent proposals");
    }

    [Theory]
    [InlineData("rs")]
    [InlineData("ga")]
    public async Task A_free_worker_does_not_wait_for_a_slower_earlier_trial(string name)
    {
        var sequential = Run(StrategyRegistry.Create(name, Space, Score, 5), 40);
        var runner = new SlowHeadRunner(Space);
        var concurrent = await new NasExperiment().SetTuner(StrategyRegistry.Create(name, Space, Score, 5)).SetTrialRunner(runner)
            .SetMaxModelToExplore(40).SetWorkers(2).RunAsync();
        runner.HeadReleasedByThird.Should().BeTrue("trial 2 must start on the worker trial 1 freed while trial 0 still runs");
        runner.MaxRunning.Should().BeLessThanOrEqualTo(2, "finished trials waiting in line hold no worker, running ones do");
        concurrent.Trials.Select(t => t.Genome).Should().Equal(sequential.Trials.Select(t => t.Genome));
    }

    [Fact]
    public async Task Proposals_ready_never_span_a_generation()
    {
        var ga = new GeneticAlgorithm(Space, Score, 1, new GeneticAlgorithmOptions { PopulationSize = 6, TournamentSize = 2 });
        ga.ProposalsReady.Should().Be(6);
        var runner = new SyntheticRunner(Space);
        var proposals = Enumerable.Range(0, 6).Select(i => ga.Propose(new TrialSettings { TrialId = i })).ToList();
        ga.ProposalsReady.Should().Be(0, "the offspring need the initial population's fitness");
        for (int i = 0; i < 6; i++)
        {
            var settings = new TrialSettings { TrialId = i, Parameter = proposals[i] };
            ga.Update(await runner.RunAsync(settings, default));
        }
        ga.ProposalsReady.Should().Be(6);
        ga.Propose(new TrialSettings { TrialId = 6 });
        ga.ProposalsReady.Should().Be(5);
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Same_seed_same_search(string name)
    {
        var a = Run(StrategyRegistry.Create(name, Space, Score, 5), 300);
        var b = Run(StrategyRegistry.Create(name, Space, Score, 5), 300);
        var c = Run(StrategyRegistry.Create(name, Space, Score, 6), 300);
        a.Trials.Select(t => t.Genome).Should().Equal(b.Trials.Select(t => t.Genome));
        a.Best!.Genome.Should().Be(b.Best!.Genome);
        a.Trials.Select(t => t.Genome).Should().NotEqual(c.Trials.Select(t => t.Genome));
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Killed_and_resumed_search_ends_like_an_unbroken_one(string name)
    {
        var unbroken = Run(StrategyRegistry.Create(name, Space, Score, 11), 400);
        string checkpoint = Path.Combine(_dir, $"{name}.json");
        using var cts = new CancellationTokenSource();
        var first = Run(StrategyRegistry.Create(name, Space, Score, 11), 400, checkpoint: checkpoint, ct: cts.Token,
            progress: new SyncProgress(p => { if (p.Evaluations == 173) cts.Cancel(); }));
        first.Cancelled.Should().BeTrue();
        first.Evaluations.Should().Be(173);
        var resumed = Run(StrategyRegistry.Create(name, Space, Score, 11), 400, checkpoint: checkpoint);
        resumed.ResumedTrials.Should().Be(173);
        resumed.Trials.Select(t => t.Genome).Should().Equal(unbroken.Trials.Select(t => t.Genome));
        resumed.Best!.Genome.Should().Be(unbroken.Best!.Genome);
    }

    [Fact]
    public void Checkpoint_of_another_search_or_a_corrupt_file_is_refused()
    {
        string checkpoint = Path.Combine(_dir, "ga.json");
        Run(new GeneticAlgorithm(Space, Score, 1), 60, checkpoint: checkpoint);
        var otherSeed = () => Run(new GeneticAlgorithm(Space, Score, 2), 60, checkpoint: checkpoint);
        otherSeed.Should().Throw<InvalidDataException>().WithMessage("*belongs to another search*seed=1*seed=2*");
        File.WriteAllText(checkpoint, "{ not json");
        var corrupt = () => Run(new GeneticAlgorithm(Space, Score, 1), 60, checkpoint: checkpoint);
        corrupt.Should().Throw<InvalidDataException>().WithMessage("*corrupt*");
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void A_throwing_trial_is_reported_and_the_search_goes_on(string name)
    {
        var runner = new SyntheticRunner(Space, g => g[0] == 0);
        var result = Run(StrategyRegistry.Create(name, Space, Score, 2), 200, runner);
        result.Evaluations.Should().Be(200);
        result.FailedTrials.Should().BePositive();
        result.Trials.Where(t => t.Failed).Should().OnlyContain(t => double.IsPositiveInfinity(t.Loss) && t.Error!.Contains("synthetic failure"));
        result.Best!.Failed.Should().BeFalse();
    }

    [Fact]
    public async Task The_monitor_hears_of_every_trial_in_order_and_of_each_new_best()
    {
        var monitor = new RecordingMonitor();
        var runner = new SyntheticRunner(Space, g => g[0] == 0);
        var result = await new NasExperiment().SetTuner(StrategyRegistry.Create("ga", Space, HybridScore.Parse("sum"), 4)).SetTrialRunner(runner)
            .SetMaxModelToExplore(120).SetWorkers(3).SetMonitor(monitor).RunAsync();

        monitor.Running.Should().Equal(Enumerable.Range(0, 120), "every trial is announced once, in proposal order");
        monitor.Ended.Should().Equal(Enumerable.Range(0, 120), "and ends once, in proposal order");
        monitor.Failed.Should().HaveCount(result.FailedTrials).And.OnlyContain(e => e is InvalidOperationException);
        monitor.Failed.Should().NotBeEmpty();
        monitor.Best.Should().NotBeEmpty();
        monitor.Best[^1].Should().BeSameAs(result.Best);
        // With a single proxy the best only improves.
        monitor.Best.Select(b => b.Metric).Should().BeInAscendingOrder();
        monitor.Best.Should().OnlyHaveUniqueItems();
    }

    private sealed class RecordingMonitor : IMonitor
    {
        public List<int> Running { get; } = [];
        public List<int> Ended { get; } = [];
        public List<Exception?> Failed { get; } = [];
        public List<TrialResult> Best { get; } = [];

        public void ReportRunningTrial(TrialSettings settings) => Running.Add(settings.TrialId);

        public void ReportCompletedTrial(TrialResult result) => Ended.Add(result.TrialSettings.TrialId);

        public void ReportFailTrial(TrialSettings settings, Exception? exception = null)
        {
            Ended.Add(settings.TrialId);
            Failed.Add(exception);
        }

        public void ReportBestTrial(TrialResult result) => Best.Add(result);
    }

    [Fact]
    public void Cancellation_returns_the_best_so_far()
    {
        using var cts = new CancellationTokenSource();
        var result = Run(new GeneticAlgorithm(Space, Score, 4), 1000, ct: cts.Token,
            progress: new SyncProgress(p => { if (p.Evaluations == 77) cts.Cancel(); }));
        result.Cancelled.Should().BeTrue();
        result.Evaluations.Should().Be(77);
        result.Best.Should().NotBeNull();
        var history = new SearchHistory(Score);
        foreach (var t in result.Trials) history.Add(t);
        result.Best!.Genome.Should().Be(history.Best()!.Genome);
    }

    [Fact]
    public void Normalized_pool_scores_are_the_score_divided_by_its_weights_and_keep_its_order()
    {
        var trials = Run(new RandomSearch(Space, Score, 2), 40).Trials;
        int n = trials.Count;
        double[] RanksOf(string proxy) => Ranking.AverageRanks(trials.Select(t => t.ProxyValues[proxy]).ToArray());
        double[] sum = RanksOf("sum"), hash = RanksOf("hash");
        double[] Normalized(string text)
        {
            var history = new SearchHistory(HybridScore.Parse(text));
            foreach (var t in trials) history.Add(t);
            return history.NormalizedPoolScores(trials.Select(t => t.Genome).ToArray());
        }
        static bool Close(double x, double y) => Math.Abs(x - y) < 1e-12;
        Normalized("sum+2*hash").Should().Equal(Enumerable.Range(0, n).Select(i => (sum[i] + 2 * hash[i]) / (3.0 * n)), Close);
        Normalized("log:sum+hash").Should().Equal(Enumerable.Range(0, n).Select(i => (Math.Log(sum[i] / n) + Math.Log(hash[i] / n)) / 2), Close);
        Normalized("log:sum+0.5*top(hash)").Should().Equal(Enumerable.Range(0, n).Select(i => (Math.Log(sum[i] / n) + 0.5 * Math.Log(n / (n - hash[i] + 1))) / 1.5), Close);
        // A top term in a linear score is scaled with the rest, so the normalised order is the score's order.
        Normalized("sum+top(hash)").Should().Equal(Enumerable.Range(0, n).Select(i => (sum[i] + Math.Log(n / (n - hash[i] + 1))) / (2.0 * n)), Close);
    }

    [Fact]
    public void Genetic_algorithm_climbs_a_simple_landscape_better_than_random_search()
    {
        var sum = HybridScore.Parse("sum");
        double Best(SearchStrategy s) => Run(s, 300).Best!.ProxyValues["sum"];
        double ga = Enumerable.Range(0, 10).Average(seed => Best(new GeneticAlgorithm(Space, sum, seed, new GeneticAlgorithmOptions { PopulationSize = 20, TournamentSize = 4 })));
        double rs = Enumerable.Range(0, 10).Average(seed => Best(new RandomSearch(Space, sum, seed)));
        ga.Should().Be(24, "the maximum of the sum over six genes of 0..4 is 24 and the GA should reach it");
        ga.Should().BeGreaterThan(rs);
    }

    [Fact]
    public void Hybrid_losses_rank_all_trials_and_single_proxy_losses_are_minus_the_value()
    {
        var hybrid = Run(new RandomSearch(Space, Score, 1), 50);
        hybrid.Trials.Should().OnlyContain(t => t.Metric > 0 && t.Metric <= 1 && t.Loss == -t.Metric);
        hybrid.Best!.Metric.Should().Be(hybrid.Trials.Max(t => t.Metric));
        var single = Run(new RandomSearch(Space, HybridScore.Parse("sum"), 1), 50);
        single.Trials.Should().OnlyContain(t => t.Loss == -t.ProxyValues["sum"]);
    }

    [Fact]
    public void Invalid_strategy_options_are_rejected_by_name()
    {
        var act = () => new GeneticAlgorithm(Space, Score, 0, new GeneticAlgorithmOptions { PopulationSize = 10, TournamentSize = 11 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("TournamentSize");
        var sa = () => new SimulatedAnnealing(Space, Score, 0, new SimulatedAnnealingOptions { CoolingRate = 1.5 });
        sa.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("CoolingRate");
    }

    private sealed class SyncProgress(Action<NasProgress> action) : IProgress<NasProgress>
    {
        public void Report(NasProgress value) => action(value);
    }
}
