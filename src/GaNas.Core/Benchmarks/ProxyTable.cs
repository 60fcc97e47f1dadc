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
            long index = csv.Long(r, iIndex);
            if (index < 0 || index > int.MaxValue) throw new InvalidDataException($"{path}: line {r + 2}: index {index} is negative or too large.");
            indices[r] = (int)index;
            if (iArch >= 0) archs[r] = csv.Rows[r][iArch];
            foreach (int c in proxyColumns) {
                // Every non-finite proxy value is a failure and ranks last.
                double v = csv.Double(r, c);
                columns[csv.Header[c]][r] = double.IsFinite(v) ? v : double.NegativeInfinity;
            }
            if (seconds is not null)
            {
                double s = csv.Double(r, iSeconds);
                if (!(s >= 0)) throw new InvalidDataException($"{path}: line {r + 2}: seconds '{csv.Rows[r][iSeconds]}' must be a non-negative number.");
                seconds[r] = s;
            }
        }
        return new ProxyTable(path, indices, archs, columns, seconds);
    }


    /// <summary>Formats a proxy value as the tables store it ("-inf" for a failure).</summary>
    public static string Format(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "-inf";
}
