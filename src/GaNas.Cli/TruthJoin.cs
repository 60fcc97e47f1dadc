using GaNas.Benchmarks;

namespace GaNas.Cli;

/// <summary>
/// The rows of a proxy table that have a finite value of a truth-table column, joined on index. The truth table is
/// read all or nothing: each index once and in range, no empty field, and where both tables name architectures they
/// must agree at every shared index. For the ground-truth accuracies (test_acc, valid_acc) every value must be finite;
/// other columns (published proxies) may hold nan or -inf, and those rows are left out.
/// </summary>
internal sealed record TruthJoin(int[] Rows, double[] Accuracy)
{
    public static TruthJoin Load(ProxyTable table, string truthPath, string metric)
    {
        CsvTable truth = CsvTable.Read(truthPath);
        int iIndex = truth.Column("index"), iMetric = truth.Column(metric);
        int iArch = truth.Has("arch") ? truth.Column("arch") : -1;
        bool groundTruth = metric is "test_acc" or "valid_acc";
        var accuracyOf = new Dictionary<int, double>();
        var archOf = new Dictionary<int, string>();
        for (int r = 0; r < truth.Rows.Count; r++)
        {
            int index = truth.Index(r, iIndex);
            double value = truth.Number(r, iMetric);
            if (groundTruth && !double.IsFinite(value))
                throw new InvalidDataException($"{truthPath}: line {r + 2}, column '{metric}': '{truth.Rows[r][iMetric]}' is not a finite accuracy.");
            if (!accuracyOf.TryAdd(index, value))
                throw new InvalidDataException($"{truthPath}: line {r + 2}: index {index} appears twice.");
            if (iArch >= 0) archOf[index] = truth.Rows[r][iArch];
        }
        for (int r = 0; r < table.Count; r++)
        {
            string? arch = table.Architectures[r];
            if (arch is not null && archOf.TryGetValue(table.Indices[r], out string? expected) && expected != arch)
                throw new InvalidDataException($"{table.Source}: index {table.Indices[r]} is {arch}, but {truthPath} has {expected} at that index; the tables do not belong together.");
        }
        int[] rows = Enumerable.Range(0, table.Count).Where(r => accuracyOf.TryGetValue(table.Indices[r], out double a) && double.IsFinite(a)).ToArray();
        if (rows.Length < 2) throw new InvalidDataException($"Only {rows.Length} row(s) of {table.Source} have a {metric} in {truthPath}; nothing to correlate.");
        return new TruthJoin(rows, rows.Select(r => accuracyOf[table.Indices[r]]).ToArray());
    }
}
