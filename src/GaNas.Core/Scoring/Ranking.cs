namespace GaNas.Scoring;

/// <summary>
/// Ranks within a pool of candidates. Rank 1 is the worst and rank n the best, so larger sums are
/// better; ties share their average rank; non-finite values (failed proxies) tie below every finite one.
/// </summary>
public static class Ranking
{
    /// <summary>Index of the highest value, the first on ties (as a search keeps its first-seen incumbent); -1 for none.</summary>
    public static int ArgMax(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) return -1;
        int best = 0;
        for (int i = 1; i < values.Count; i++)
        {
            if (values[i] > values[best]) best = i;
        }
        return best;
    }

    /// <summary>Average ranks (1..n, n = highest value).</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int n = values.Count;
        var order = Enumerable.Range(0, n).ToArray();
        var keys = values.Select(v => double.IsFinite(v) ? v : double.NegativeInfinity).ToArray();
        Array.Sort(keys.ToArray(), order);
        var ranks = new double[n];
        int i = 0;
        while (i < n)
        {
            int j = i;
            while (j + 1 < n && keys[order[j + 1]].Equals(keys[order[i]])) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) ranks[order[k]] = rank;
            i = j + 1;
        }
        return ranks;
    }
}
