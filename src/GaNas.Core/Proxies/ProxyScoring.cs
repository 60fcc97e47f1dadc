using GaNas.Runtime;
using GaNas.SearchSpaces;

namespace GaNas.Proxies;

/// <summary>Scoring many architectures with any <see cref="IProxyScorer"/>.</summary>
public static class ProxyScoring
{
    private const int QueuedPerWorker = 16;

    /// <summary>
    /// Scores architectures with up to <paramref name="workers"/> evaluations in flight and yields the results in input
    /// order. In this process each runs on its own thread, sharing libtorch's intra-op threads (on two cores, two
    /// one-thread workers keep both cores busier than one two-thread evaluation); a cluster scorer runs them on its
    /// silos. A worker whose architecture finished behind a slower earlier one starts the next at once.
    /// </summary>
    public static IEnumerable<ProxyScores> EvaluateMany(this IProxyScorer scorer, IEnumerable<Genome> genomes, int workers = 1, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(genomes);
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "At least one worker is needed.");
        return workers == 1 ? OneAtATime(scorer, genomes, ct) : Concurrently(scorer, genomes, workers, ct);
    }

    private static IEnumerable<ProxyScores> OneAtATime(IProxyScorer scorer, IEnumerable<Genome> genomes, CancellationToken ct)
    {
        foreach (Genome genome in genomes)
        {
            ct.ThrowIfCancellationRequested();
            yield return scorer.ScoreAsync(genome, ct).GetAwaiter().GetResult();
        }
    }

    private static IEnumerable<ProxyScores> Concurrently(IProxyScorer scorer, IEnumerable<Genome> genomes, int workers, CancellationToken ct)
    {
        var inFlight = new OrderedWork<Genome, ProxyScores>();
        using IEnumerator<Genome> next = genomes.GetEnumerator();
        try
        {
            while (true)
            {
                // At most QueuedPerWorker finished results wait per worker behind a slower earlier one.
                while (inFlight.Running < workers && inFlight.Count < workers * QueuedPerWorker && !ct.IsCancellationRequested && next.MoveNext())
                {
                    Genome genome = next.Current;
                    inFlight.Add(genome, Task.Run(() => scorer.ScoreAsync(genome, ct), CancellationToken.None));
                }
                if (inFlight.Count == 0) break;
                if (!inFlight.WaitForOldestOrFreeWorkerAsync().GetAwaiter().GetResult()) continue;
                yield return inFlight.Take().Work.GetAwaiter().GetResult();
            }
            ct.ThrowIfCancellationRequested();
        }
        finally
        {
            // An abandoned enumeration (exception, cancellation, break) waits for the running evaluations.
            inFlight.DrainAsync().GetAwaiter().GetResult();
        }
    }
}
