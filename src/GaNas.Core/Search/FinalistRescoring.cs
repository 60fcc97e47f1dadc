using System.Diagnostics;
using GaNas.Proxies;
using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search;

/// <summary>One of a search's final candidates after <see cref="FinalistRescoring"/>.</summary>
/// <param name="Trial">The search's trial of the architecture (its values are the search's single measurement).</param>
/// <param name="MeanValues">Each proxy's mean over the search's measurement and the repeats' (-inf when any failed).</param>
/// <param name="SearchRank">1 for the search's own best, 2 for the next, ...</param>
/// <param name="Score">The score with the finalists' mean values, ranked over the whole history.</param>
public sealed record Finalist(TrialResult Trial, IReadOnlyDictionary<string, double> MeanValues, int SearchRank, double Score);

/// <summary>What <see cref="FinalistRescoring.Select"/> decided.</summary>
/// <param name="Best">The finalist with the highest score after averaging.</param>
/// <param name="Finalists">The finalists, in the search's order.</param>
/// <param name="Evaluations">Architectures scored by the repeats for this selection (cached ones not counted).</param>
/// <param name="Seconds">Wall time of the selection.</param>
/// <param name="ScoringSeconds">
/// The repeats' evaluation times of these finalists, cached ones included: what one search alone pays for its selection.
/// </param>
public sealed record FinalistSelection(TrialResult Best, IReadOnlyList<Finalist> Finalists, int Evaluations, double Seconds, double ScoringSeconds);

/// <summary>How many final candidates are scored again, under how many other weight seeds; off when either is too small.</summary>
/// <param name="Finalists">The search's best trials scored again (off below 2).</param>
/// <param name="Repeats">Other weight seeds each is scored under (off below 1).</param>
public readonly record struct FinalistRescoringSettings(int Finalists, int Repeats)
{
    /// <summary>No re-scoring: the search's own best is the answer.</summary>
    public static FinalistRescoringSettings Off => new(1, 0);

    /// <summary>Whether these settings re-score anything.</summary>
    public bool IsOn => Finalists >= 2 && Repeats >= 1;
}

/// <summary>
/// Noise-aware selection among a search's final candidates. A proxy value is one measurement, under one weight
/// initialisation of the network, and the top of a ranking is decided by differences as small as that measurement's
/// noise (docs/scores.md, "Proxy noise"). After the search, the <see cref="Finalists"/> best trials by the score over
/// the whole history are scored again by each of the <see cref="Repeats"/> (the same evaluation under other weight
/// seeds), each proxy's value is averaged over the search's measurement and the repeats', and the history is ranked
/// again with the finalists' averages in place of their single values. The finalist that ranks highest is the answer.
/// It costs <see cref="Finalists"/> x <see cref="Repeats"/> evaluations, whatever the search's budget. Repeats' results
/// are kept, so selections over several searches with the same scorers (a bench's runs) score an architecture once.
/// </summary>
public sealed class FinalistRescoring
{
    private readonly Dictionary<(int Repeat, Genome Genome), ProxyScores> _cache = [];

    /// <summary>Creates the selection.</summary>
    /// <param name="finalists">How many of the search's best trials are scored again (at least 2).</param>
    /// <param name="repeats">Scorers of the same evaluation as the search's under other weight seeds (at least one).</param>
    /// <param name="workers">Evaluations in flight per repeat (<see cref="ProxyScoring.EvaluateMany"/>).</param>
    public FinalistRescoring(int finalists, IReadOnlyList<IProxyScorer> repeats, int workers = 1)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        if (finalists < 2) throw new ArgumentOutOfRangeException(nameof(finalists), finalists, "Re-scoring needs at least 2 finalists to choose among.");
        if (repeats.Count == 0) throw new ArgumentException("Re-scoring needs at least one repeat scorer.", nameof(repeats));
        if (repeats.Any(r => r is null)) throw new ArgumentException("A repeat scorer is null.", nameof(repeats));
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "At least one worker is needed.");
        Finalists = finalists;
        Repeats = repeats;
        Workers = workers;
    }

    /// <summary>
    /// The project's default for a search space and the score named <paramref name="score"/>, chosen on CIFAR-10 and
    /// validated on CIFAR-100 (docs/scores.md, "Re-scoring the finalists"): with the default score
    /// (<see cref="HybridScore.IsDefaultName"/>) on TSS the best 10 scored again under 4 other weight seeds; on SSS off,
    /// where averaging displaced better answers on both tables; a score given by name is searched as named (off).
    /// </summary>
    public static FinalistRescoringSettings DefaultFor(ISearchSpace space, string? score)
    {
        ArgumentNullException.ThrowIfNull(space);
        return HybridScore.IsDefaultName(score) && space is TopologySearchSpace ? new FinalistRescoringSettings(10, 4) : FinalistRescoringSettings.Off;
    }

    /// <summary>How many of the search's best trials are scored again.</summary>
    public int Finalists { get; }

    /// <summary>The scorers of the repeated measurements.</summary>
    public IReadOnlyList<IProxyScorer> Repeats { get; }

    /// <summary>Evaluations in flight per repeat.</summary>
    public int Workers { get; }

    /// <summary>Chooses among the best trials of <paramref name="history"/>; null when no trial succeeded.</summary>
    public FinalistSelection? Select(SearchHistory history, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        var watch = Stopwatch.StartNew();
        IReadOnlyList<TrialResult> trials = history.Trials;
        Genome[] pool = trials.Select(t => t.Genome).ToArray();
        double[] searchScores = history.ScorePool(pool);
        int[] top = Enumerable.Range(0, pool.Length).Where(i => !trials[i].Failed)
            .OrderByDescending(i => searchScores[i]).ThenBy(i => i).Take(Finalists).ToArray();
        if (top.Length == 0) return null;
        string[] proxies = history.Score.Proxies.ToArray();
        int evaluations = 0;
        var measured = new ProxyScores[Repeats.Count][];
        for (int r = 0; r < Repeats.Count; r++)
        {
            Genome[] missing = top.Select(i => pool[i]).Where(g => !_cache.ContainsKey((r, g))).ToArray();
            foreach (ProxyScores scores in Repeats[r].EvaluateMany(missing, Workers, ct))
            {
                _cache[(r, scores.Genome)] = scores;
                evaluations++;
            }
            measured[r] = top.Select(i => _cache[(r, pool[i])]).ToArray();
        }
        var means = new Dictionary<int, Dictionary<string, double>>();
        for (int f = 0; f < top.Length; f++)
        {
            var mean = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (string proxy in proxies)
            {
                double sum = history.Value(pool[top[f]], proxy);
                for (int r = 0; r < Repeats.Count && double.IsFinite(sum); r++)
                {
                    double v = measured[r][f].Values.TryGetValue(proxy, out ProxyValue value) && value.IsValid ? value.Value : double.NegativeInfinity;
                    sum = double.IsFinite(v) ? sum + v : double.NegativeInfinity;
                }
                mean[proxy] = double.IsFinite(sum) ? sum / (1 + Repeats.Count) : double.NegativeInfinity;
            }
            means[top[f]] = mean;
        }
        double[] rescored = history.Score.Score(pool.Length, (i, proxy) => means.TryGetValue(i, out var m) ? m[proxy] : history.Value(pool[i], proxy));
        var finalists = top.Select((i, f) => new Finalist(trials[i], means[i], f + 1, rescored[i])).ToArray();
        // The highest score after averaging; ties go to the search's own order.
        Finalist best = finalists.OrderByDescending(f => f.Score).ThenBy(f => f.SearchRank).First();
        double scoringSeconds = measured.Sum(repeat => repeat.Sum(m => m.Seconds));
        return new FinalistSelection(best.Trial, finalists, evaluations, watch.Elapsed.TotalSeconds, scoringSeconds);
    }
}
