using GaNas.Proxies;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Runners;

/// <summary>
/// Scores proposals with live proxies on a fixed image batch, through a <see cref="IProxyScorer"/>: a
/// <see cref="ProxyEvaluator"/> in this process or a cluster's scorer. Results are cached by architecture, so a revisit
/// costs nothing and is not counted again. Thread-safe: several trials may run at once (<see cref="NasExperiment.SetWorkers"/>).
/// </summary>
public sealed class ProxyTrialRunner(IProxyScorer scorer) : ITrialRunner, IFingerprinted
{
    private readonly Dictionary<Genome, ProxyScores> _cache = [];
    private readonly object _gate = new();

    /// <summary>What computes the proxies.</summary>
    public IProxyScorer Scorer { get; } = scorer ?? throw new ArgumentNullException(nameof(scorer));

    /// <inheritdoc />
    public RunFingerprint Fingerprint => Scorer.Fingerprint.With(("runner", "live"));

    /// <summary>Architectures actually scored (cache misses).</summary>
    public int Evaluations { get; private set; }

    /// <summary>Failed proxy values seen, for reports.</summary>
    public int ProxyFailures { get; private set; }

    /// <inheritdoc />
    public async Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ct.ThrowIfCancellationRequested();
        Genome genome = settings.Parameter.Genome;
        // A degenerate architecture is a failed trial, so no strategy returns it and no trainer trains it.
        if (Scorer.Space.Degeneracy(genome) is { } why) throw new InvalidOperationException($"{settings.Parameter.Architecture}: {why}.");
        bool cached;
        ProxyScores? scores;
        lock (_gate) cached = _cache.TryGetValue(genome, out scores);
        if (!cached)
        {
            scores = await Scorer.ScoreAsync(genome, ct).ConfigureAwait(false);
            lock (_gate)
            {
                _cache[genome] = scores;
                Evaluations++;
                ProxyFailures += scores.Failures.Count();
            }
        }
        return new TrialResult
        {
            TrialSettings = settings,
            ProxyValues = scores!.Values.ToDictionary(v => v.Key, v => v.Value.Value, StringComparer.Ordinal),
            DurationInMilliseconds = cached ? 0 : scores.Seconds * 1000,
            PeakMemoryInMegaByte = PeakWorkingSetMegabytes(),
        };
    }

    /// <summary>The process's peak resident memory so far (what AutoML's PeakMemoryInMegaByte reports), in MB.</summary>
    private static double PeakWorkingSetMegabytes()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate) _cache.Clear();
    }
}
