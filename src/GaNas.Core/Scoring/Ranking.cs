namespace GaNas.Scoring;

/// <summary>
/// Ranks within a pool of candidates. Rank 1 is the worst and rank n the best, so larger sums are
/// better; ties share their average rank; non-finite values (failed proxies) tie below every finite one.
/// </summary>
public static class Ranking
{
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
