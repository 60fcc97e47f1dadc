namespace GaNas.Proxies;

/// <summary>Small dense linear algebra in double precision.</summary>
internal static class LinearAlgebra
{
    /// <summary>log |det A| of a row-major n x n matrix by LU decomposition with partial pivoting; -inf when singular.</summary>
    public static double LogAbsDeterminant(double[] matrix, int n)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (matrix.Length != n * n) throw new ArgumentException($"Expected {n} x {n} values, got {matrix.Length}.", nameof(matrix));
        var a = (double[])matrix.Clone();
        double scale = 0;
        foreach (double v in a) scale = Math.Max(scale, Math.Abs(v));
        double tolerance = scale * n * 1e-14;
        double logDet = 0;
        for (int col = 0; col < n; col++)
        {
            int pivot = col;
            double best = Math.Abs(a[col * n + col]);
            for (int r = col + 1; r < n; r++)
            {
                double v = Math.Abs(a[r * n + col]);
                if (v > best) { best = v; pivot = r; }
            }
            if (best <= tolerance || !double.IsFinite(best)) return double.NegativeInfinity;
            if (pivot != col)
            {
                for (int c = 0; c < n; c++) (a[col * n + c], a[pivot * n + c]) = (a[pivot * n + c], a[col * n + c]);
            }
            double diag = a[col * n + col];
            logDet += Math.Log(Math.Abs(diag));
            for (int r = col + 1; r < n; r++)
            {
                double f = a[r * n + col] / diag;
                if (f == 0) continue;
                for (int c = col + 1; c < n; c++) a[r * n + c] -= f * a[col * n + c];
            }
        }
        return logDet;
    }
}
