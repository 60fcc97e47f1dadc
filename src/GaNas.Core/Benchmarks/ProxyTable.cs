using System.Globalization;

namespace GaNas.Benchmarks;

/// <summary>
/// Cached proxy values per architecture (<c>index,[arch,]&lt;proxy columns&gt;[,seconds]</c>): the
/// output of <c>ganas proxies</c> or a published file. Missing, "nan" or infinite values are
/// failures and rank below every finite value. Rows may cover only part of a space.
/// </summary>
public sealed class ProxyTable
{
    private readonly Dictionary<int, int> _rowOfIndex;
    private readonly Dictionary<string, double[]> _columns;

    private ProxyTable(string source, int[] indices, string?[] architectures, Dictionary<string, double[]> columns, double[]? seconds)
    {
        Source = source;
        Indices = indices;
        Architectures = architectures;
        _columns = columns;
        Seconds = seconds;
        _rowOfIndex = new Dictionary<int, int>(indices.Length);
        for (int r = 0; r < indices.Length; r++)
        {
            if (!_rowOfIndex.TryAdd(indices[r], r)) throw new InvalidDataException($"{source}: index {indices[r]} appears twice (line {r + 2}).");
        }
    }

    /// <summary>File the table was read from.</summary>
    public string Source { get; }

    /// <summary>Benchmark index of each row.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>Architecture string of each row when the file has an <c>arch</c> column.</summary>
    public IReadOnlyList<string?> Architectures { get; }

    /// <summary>Names of the proxy columns.</summary>
    public IReadOnlyList<string> ProxyNames => _columns.Keys.ToArray();

    /// <summary>Per-row wall time of the proxy computation, when the file has a <c>seconds</c> column.</summary>
    public IReadOnlyList<double>? Seconds { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Indices.Count;

    /// <summary>Whether the table has a proxy column.</summary>
    public bool Has(string proxy) => _columns.ContainsKey(proxy);

    /// <summary>The values of one proxy, by row.</summary>
    public IReadOnlyList<double> Column(string proxy) => _columns.TryGetValue(proxy, out var values)
        ? values
        : throw new ArgumentException($"{Source} has no proxy column '{proxy}' (columns: {string.Join(", ", _columns.Keys)}).", nameof(proxy));

    /// <summary>Row of a benchmark index, or -1.</summary>
    public int RowOf(int index) => _rowOfIndex.TryGetValue(index, out int row) ? row : -1;

    /// <summary>Reads a table (plain or .gz).</summary>
    public static ProxyTable Read(string path)
    {
        CsvTable csv = CsvTable.Read(path);
        if (csv.Rows.Count == 0) throw new InvalidDataException($"{path}: the proxy table has no rows.");
        int iIndex = csv.Column("index");
        int iArch = csv.Has("arch") ? csv.Column("arch") : -1;
        int iSeconds = csv.Has("seconds") ? csv.Column("seconds") : -1;
        var indices = new int[csv.Rows.Count];
        var archs = new string?[csv.Rows.Count];
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var proxyColumns = Enumerable.Range(0, csv.Header.Count).Where(c => c != iIndex && c != iArch && c != iSeconds).ToArray();
        foreach (int c in proxyColumns) columns[csv.Header[c]] = new double[csv.Rows.Count];
        double[]? seconds = iSeconds >= 0 ? new double[csv.Rows.Count] : null;
        for (int r = 0; r < csv.Rows.Count; r++)
        {
            indices[r] = csv.Index(r, iIndex);
            if (iArch >= 0) archs[r] = csv.Rows[r][iArch];
            foreach (int c in proxyColumns) {
                // Every non-finite proxy value is a failure and ranks last.
                double v = csv.Number(r, c);
                columns[csv.Header[c]][r] = double.IsFinite(v) ? v : double.NegativeInfinity;
            }
            if (seconds is not null)
            {
                double s = csv.Number(r, iSeconds);
                if (!(s >= 0)) throw new InvalidDataException($"{path}: line {r + 2}: seconds '{csv.Rows[r][iSeconds]}' must be a non-negative number.");
                seconds[r] = s;
            }
        }
        return new ProxyTable(path, indices, archs, columns, seconds);
    }


    /// <summary>
    /// Reads one table, or several separated by commas and joined on <c>index</c> (for example the paper's
    /// proxies in one file and later proxies in another): see <see cref="Join"/>.
    /// </summary>
    public static ProxyTable ReadMany(string paths)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(paths);
        string[] files = paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (files.Length == 0) throw new ArgumentException($"No proxy table in '{paths}'.", nameof(paths));
        return files.Length == 1 ? Read(files[0]) : Join(files.Select(Read).ToArray());
    }

    /// <summary>
    /// Joins tables on <c>index</c>: keeps the rows present in every table, in the first table's order,
    /// with all proxy columns. Proxy names must be distinct, architecture strings of a shared index must agree,
    /// and <see cref="Seconds"/> is the sum of the tables' seconds (the cost of computing every column), present
    /// only when every table has it.
    /// </summary>
    public static ProxyTable Join(IReadOnlyList<ProxyTable> tables)
    {
        ArgumentNullException.ThrowIfNull(tables);
        if (tables.Count == 0) throw new ArgumentException("Nothing to join.", nameof(tables));
        if (tables.Count == 1) return tables[0];
        string source = string.Join(",", tables.Select(t => t.Source));
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ProxyTable t in tables)
        {
            foreach (string name in t.ProxyNames)
            {
                if (!seen.TryAdd(name, t.Source)) throw new InvalidDataException($"Proxy column '{name}' is in both {seen[name]} and {t.Source}; joined tables need distinct proxies.");
            }
        }
        ProxyTable first = tables[0];
        List<int[]> rowsOf = SharedRows(tables, $"The tables {source}");
        int n = rowsOf.Count;
        var indices = new int[n];
        var archs = new string?[n];
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        double[]? seconds = tables.All(t => t.Seconds is not null) ? new double[n] : null;
        for (int k = 0; k < n; k++)
        {
            indices[k] = first.Indices[rowsOf[k][0]];
            for (int t = 0; t < tables.Count; t++)
            {
                int r = rowsOf[k][t];
                string? arch = tables[t].Architectures[r];
                if (arch is not null)
                {
                    if (archs[k] is null) archs[k] = arch;
                    else if (archs[k] != arch) throw new InvalidDataException($"Index {indices[k]} is '{archs[k]}' in one table and '{arch}' in {tables[t].Source}.");
                }
                if (seconds is not null) seconds[k] += tables[t].Seconds![r];
            }
        }
        for (int t = 0; t < tables.Count; t++)
        {
            foreach (var (name, values) in tables[t]._columns)
            {
                var column = new double[n];
                for (int k = 0; k < n; k++) column[k] = values[rowsOf[k][t]];
                columns[name] = column;
            }
        }
        return new ProxyTable(source, indices, archs, columns, seconds);
    }

    /// <summary>
    /// The row-by-row mean of repeats of one measurement (the same proxies under other weight initialisations or image
    /// batches): the indices every repeat holds, in the first repeat's order, each proxy the mean of the repeats' values
    /// (a failure in any repeat stays a failure), and <see cref="Seconds"/> the sum of the repeats' (what measuring all
    /// of them costs), present only when every repeat has it.
    /// </summary>
    public static ProxyTable Average(IReadOnlyList<ProxyTable> repeats)
    {
        ArgumentNullException.ThrowIfNull(repeats);
        if (repeats.Count == 0) throw new ArgumentException("Nothing to average.", nameof(repeats));
        ProxyTable first = repeats[0];
        foreach (ProxyTable t in repeats.Skip(1))
        {
            if (!t.ProxyNames.Order(StringComparer.Ordinal).SequenceEqual(first.ProxyNames.Order(StringComparer.Ordinal)))
                throw new InvalidDataException($"{t.Source} has the proxies {string.Join(", ", t.ProxyNames)}, {first.Source} {string.Join(", ", first.ProxyNames)}: repeats must measure the same proxies.");
        }
        string source = "mean(" + string.Join(",", repeats.Select(t => t.Source)) + ")";
        List<int[]> rowsOf = SharedRows(repeats, $"The repeats {source}");
        int n = rowsOf.Count;
        var indices = rowsOf.Select(rows => first.Indices[rows[0]]).ToArray();
        var archs = rowsOf.Select(rows => first.Architectures[rows[0]]).ToArray();
        var columns = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (string name in first.ProxyNames)
        {
            var column = new double[n];
            for (int k = 0; k < n; k++)
            {
                double sum = 0;
                for (int t = 0; t < repeats.Count; t++)
                {
                    double v = repeats[t]._columns[name][rowsOf[k][t]];
                    if (!double.IsFinite(v)) { sum = double.NegativeInfinity; break; }
                    sum += v;
                }
                column[k] = double.IsFinite(sum) ? sum / repeats.Count : double.NegativeInfinity;
            }
            columns[name] = column;
        }
        double[]? seconds = repeats.All(t => t.Seconds is not null)
            ? rowsOf.Select(rows => rows.Select((r, t) => repeats[t].Seconds![r]).Sum()).ToArray()
            : null;
        return new ProxyTable(source, indices, archs, columns, seconds);
    }

    /// <summary>
    /// For each index of the first table that every table holds, in the first table's order, the row of that index in
    /// each table (looked up once); <paramref name="what"/> names the tables in the error when they share none.
    /// </summary>
    private static List<int[]> SharedRows(IReadOnlyList<ProxyTable> tables, string what)
    {
        var rowsOf = new List<int[]>();
        foreach (int index in tables[0].Indices)
        {
            int[] rows = tables.Select(t => t.RowOf(index)).ToArray();
            if (rows.All(r => r >= 0)) rowsOf.Add(rows);
        }
        if (rowsOf.Count == 0) throw new InvalidDataException($"{what} share no index.");
        return rowsOf;
    }

    /// <summary>Formats a proxy value as the tables store it ("-inf" for a failure).</summary>
    public static string Format(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "-inf";
}
