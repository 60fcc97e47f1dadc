using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search;

/// <summary>
/// Everything a tuner has seen: the proxy values of each evaluated architecture, in evaluation
/// order. Strategies rank pools drawn from it; a revisit never costs an evaluation.
/// </summary>
public sealed class SearchHistory
{
    private readonly Dictionary<Genome, int> _position = [];
    private readonly List<TrialResult> _trials = [];

    /// <summary>Creates an empty history for a score.</summary>
    public SearchHistory(HybridScore score) => Score = score ?? throw new ArgumentNullException(nameof(score));

    /// <summary>The score that ranks pools.</summary>
    public HybridScore Score { get; }

    /// <summary>Trials in evaluation order.</summary>
    public IReadOnlyList<TrialResult> Trials => _trials;

    /// <summary>Number of unique architectures evaluated.</summary>
    public int Count => _trials.Count;

    /// <summary>Whether an architecture was evaluated.</summary>
    public bool Contains(Genome genome) => _position.ContainsKey(genome);

    /// <summary>The trial of an evaluated architecture.</summary>
    public TrialResult this[Genome genome] => _trials[_position[genome]];

    /// <summary>Adds a finished trial (a repeated architecture is an error: strategies must not re-propose).</summary>
    public void Add(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!_position.TryAdd(result.Genome, _trials.Count))
            throw new InvalidOperationException($"Architecture {result.TrialSettings.Parameter.Architecture} was evaluated twice.");
        _trials.Add(result);
    }

    /// <summary>Value of a proxy for an evaluated architecture (-inf for failures and missing values).</summary>
    public double Value(Genome genome, string proxy)
    {
        TrialResult t = this[genome];
        return !t.Failed && t.ProxyValues.TryGetValue(proxy, out double v) && double.IsFinite(v) ? v : double.NegativeInfinity;
    }

    /// <summary>Scores of a pool of evaluated architectures, ranked within the pool (higher is better).</summary>
    public double[] ScorePool(IReadOnlyList<Genome> pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return Score.Score(pool.Count, (i, proxy) => Value(pool[i], proxy));
    }

    /// <summary>
    /// Scores normalised to comparable units within a pool, in the score's own order: for linear rank sums, the sum
    /// divided by (sum of weights x pool size); for log-rank sums, divided by the sum of weights (top terms included,
    /// as the score adds them); for a single proxy, its rank divided by the pool size.
    /// </summary>
    public double[] NormalizedPoolScores(IReadOnlyList<Genome> pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        int n = pool.Count;
        if (Score.IsSingleProxy)
        {
            double[] ranks = Ranking.AverageRanks(pool.Select(g => Value(g, Score.Terms[0].Proxy)).ToArray());
            return ranks.Select(r => r / n).ToArray();
        }
        double weights = Score.Terms.Sum(t => t.Weight);
        double[] s = ScorePool(pool);
        return Score.Aggregation == RankAggregation.Linear ? s.Select(v => v / (weights * n)).ToArray() : s.Select(v => v / weights).ToArray();
    }

    /// <summary>The best architecture over the whole history (the pool is every evaluated architecture).</summary>
    public TrialResult? Best()
    {
        if (_trials.Count == 0) return null;
        var pool = _trials.Select(t => t.Genome).ToArray();
        return _trials[Ranking.ArgMax(ScorePool(pool))];
    }
}
