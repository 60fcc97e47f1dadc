namespace GaNas.Scoring;

/// <summary>Rank correlations between a score and ground truth; non-finite values (failed proxies) rank last.</summary>
public static class Correlation
{
    /// <summary>Spearman's rho: Pearson correlation of the average ranks.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        return Pearson(Ranking.AverageRanks(x), Ranking.AverageRanks(y));
    }

    /// <summary>Pearson's r.</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n = x.Count;
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>
    /// Kendall's tau-b (ties in either variable corrected), in O(n log n) by Knight's algorithm.
    /// Non-finite values tie below every finite value, as in ranking.
    /// </summary>
    public static double KendallTauB(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        Check(x, y);
        int n = x.Count;
        double[] a = x.Select(v => double.IsFinite(v) ? v : double.NegativeInfinity).ToArray();
        double[] b = y.Select(v => double.IsFinite(v) ? v : double.NegativeInfinity).ToArray();
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(order, (i, j) => a[i] != a[j] ? a[i].CompareTo(a[j]) : b[i].CompareTo(b[j]));
        long n0 = (long)n * (n - 1) / 2;
        long n1 = 0, n3 = 0;
        // Ties in x (n1) and joint ties (n3).
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && a[order[j + 1]] == a[order[i]]) j++;
            long t = j - i + 1;
            n1 += t * (t - 1) / 2;
            for (int k = i; k <= j;)
            {
                int l = k;
                while (l + 1 <= j && b[order[l + 1]] == b[order[k]]) l++;
                long u = l - k + 1;
                n3 += u * (u - 1) / 2;
                k = l + 1;
            }
            i = j + 1;
        }
        // Sort by y counting swaps = discordant pairs.
        double[] ys = order.Select(i => b[i]).ToArray();
        long swaps = MergeSortCountSwaps(ys, new double[n], 0, n);
        long n2 = 0;
        for (int i = 0; i < n;)
        {
            int j = i;
            while (j + 1 < n && ys[j + 1] == ys[i]) j++;
            long t = j - i + 1;
            n2 += t * (t - 1) / 2;
            i = j + 1;
        }
        double concordantMinusDiscordant = n0 - n1 - n2 + n3 - 2.0 * swaps;
        double denominator = Math.Sqrt((double)(n0 - n1) * (n0 - n2));
        return denominator == 0 ? double.NaN : concordantMinusDiscordant / denominator;
    }

    private static long MergeSortCountSwaps(double[] v, double[] buffer, int lo, int hi)
    {
        if (hi - lo < 2) return 0;
        int mid = (lo + hi) / 2;
        long swaps = MergeSortCountSwaps(v, buffer, lo, mid) + MergeSortCountSwaps(v, buffer, mid, hi);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi)
        {
            if (v[j] < v[i])
            {
                swaps += mid - i;
                buffer[k++] = v[j++];
            }
            else buffer[k++] = v[i++];
        }
        while (i < mid) buffer[k++] = v[i++];
        while (j < hi) buffer[k++] = v[j++];
        Array.Copy(buffer, lo, v, lo, hi - lo);
        return swaps;
    }

    private static void Check(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"The two series have {x.Count} and {y.Count} values.");
        if (x.Count < 2) throw new ArgumentException("A correlation needs at least two values.");
    }
}
