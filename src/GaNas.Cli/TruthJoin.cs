using GaNas.Benchmarks;

namespace GaNas.Cli;

/// <summary>The rows of a proxy table that have a finite value of a truth-table column (joined on index).</summary>
internal sealed record TruthJoin(int[] Rows, double[] Accuracy)
{
    public static TruthJoin Load(ProxyTable table, string truthPath, string metric)
    {
        CsvTable truth = CsvTable.Read(truthPath);
        int iIndex = truth.Column("index"), iMetric = truth.Column(metric);
        var accuracyOf = new Dictionary<int, double>();
        for (int r = 0; r < truth.Rows.Count; r++) accuracyOf[(int)truth.Long(r, iIndex)] = truth.Double(r, iMetric);
        int[] rows = Enumerable.Range(0, table.Count).Where(r => accuracyOf.TryGetValue(table.Indices[r], out double a) && double.IsFinite(a)).ToArray();
        if (rows.Length < 2) throw new InvalidDataException($"Only {rows.Length} row(s) of {table.Source} have a {metric} in {truthPath}; nothing to correlate.");
        return new TruthJoin(rows, rows.Select(r => accuracyOf[table.Indices[r]]).ToArray());
    }
}
