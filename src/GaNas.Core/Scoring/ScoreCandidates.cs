namespace GaNas.Scoring;

/// <summary>
/// The candidate scores <see cref="ScoreSelection"/> compares: every set of up to <c>maxTerms</c> proxies, each with
/// linear and log-rank aggregation, with equal weights and one term weighted 2 (or every 1/2 weighting); and bodies
/// with a top term added.
/// </summary>
public static class ScoreCandidates
{
    /// <summary>The candidate scores over <paramref name="proxies"/> with up to <paramref name="maxTerms"/> terms.</summary>
    /// <param name="proxies">Proxy names.</param>
    /// <param name="maxTerms">Largest number of terms.</param>
    /// <param name="allWeights">Every 1/2 weighting (except all 2) instead of equal weights and one doubled term.</param>
    public static List<HybridScore> Grid(IReadOnlyList<string> proxies, int maxTerms, bool allWeights = false)
    {
        ArgumentNullException.ThrowIfNull(proxies);
        var result = new List<HybridScore>();
        int m = proxies.Count;
        for (int mask = 1; mask < 1 << m; mask++)
        {
            int k = System.Numerics.BitOperations.PopCount((uint)mask);
            if (k > maxTerms) continue;
            string[] chosen = Enumerable.Range(0, m).Where(i => (mask & (1 << i)) != 0).Select(i => proxies[i]).ToArray();
            foreach (var aggregation in new[] { RankAggregation.Linear, RankAggregation.Log })
            {
                if (k == 1 && aggregation == RankAggregation.Log) continue; // one term: the same order either way
                result.Add(new HybridScore(chosen.Select(p => new ScoreTerm(p, 1)).ToArray(), aggregation));
                if (k == 1) continue;
                if (allWeights)
                {
                    // Bit i of 'heavy' doubles term i; all doubled is the same order as all 1.
                    for (int heavy = 1; heavy < (1 << k) - 1; heavy++)
                        result.Add(new HybridScore(chosen.Select((p, i) => new ScoreTerm(p, (heavy & (1 << i)) != 0 ? 2 : 1)).ToArray(), aggregation));
                    continue;
                }
                for (int heavy = 0; heavy < k; heavy++)
                    result.Add(new HybridScore(chosen.Select((p, i) => new ScoreTerm(p, i == heavy ? 2 : 1)).ToArray(), aggregation));
            }
        }
        return result;
    }

    /// <summary>
    /// <paramref name="bodies"/>, each with every top term of <paramref name="topTerms"/> it does not hold yet added at
    /// every weight of <paramref name="weights"/> (<see cref="ScoreTerm.Top"/>).
    /// </summary>
    /// <param name="bodies">The scores to extend.</param>
    /// <param name="topTerms">Proxies that may be added as a top term.</param>
    /// <param name="weights">Weights a top term may take.</param>
    public static List<HybridScore> WithTopTerms(IEnumerable<HybridScore> bodies, IReadOnlyList<string> topTerms, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(bodies);
        ArgumentNullException.ThrowIfNull(topTerms);
        ArgumentNullException.ThrowIfNull(weights);
        var extended = new List<HybridScore>();
        foreach (HybridScore body in bodies)
        {
            foreach (string proxy in topTerms)
            {
                if (body.Proxies.Contains(proxy, StringComparer.Ordinal)) continue;
                // A single-proxy body is its raw value; as a hybrid it is its rank, which orders the same way.
                var aggregation = body.IsSingleProxy ? RankAggregation.Log : body.Aggregation;
                foreach (double weight in weights)
                    extended.Add(new HybridScore([.. body.Terms, new ScoreTerm(proxy, weight, Top: true)], aggregation));
            }
        }
        return extended;
    }
}
