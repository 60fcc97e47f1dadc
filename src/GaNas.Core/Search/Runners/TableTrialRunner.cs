using GaNas.Benchmarks;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Runners;

/// <summary>
/// Looks proxy values up in a table instead of computing them (a CSV from <c>ganas proxies</c> or a
/// published file). The trial's duration is the table's measured <c>seconds</c> for that
/// architecture, so a tabular search reports the search cost a live one would have had.
/// </summary>
public sealed class TableTrialRunner : ITrialRunner, IFingerprinted
{
    private readonly ProxyTable _table;
    private readonly Func<Genome, int> _indexOf;
    private readonly string[] _proxies;
    private readonly ISearchSpace? _space;

    /// <summary>Creates the runner.</summary>
    /// <param name="table">The proxy table.</param>
    /// <param name="indexOf">Benchmark index of a genome (TSS: from a benchmark table; SSS: the genome code).</param>
    /// <param name="proxies">Columns to expose; all when null.</param>
    /// <param name="space">When given, its degenerate architectures (<see cref="ISearchSpace.Degeneracy"/>) fail, whatever the table says.</param>
    public TableTrialRunner(ProxyTable table, Func<Genome, int> indexOf, IReadOnlyList<string>? proxies = null, ISearchSpace? space = null)
    {
        _space = space;
        _table = table ?? throw new ArgumentNullException(nameof(table));
        _indexOf = indexOf ?? throw new ArgumentNullException(nameof(indexOf));
        _proxies = (proxies ?? table.ProxyNames).ToArray();
        foreach (string p in _proxies)
        {
            if (!table.Has(p)) throw new ArgumentException($"{table.Source} has no column '{p}' (columns: {string.Join(", ", table.ProxyNames)}).", nameof(proxies));
        }
    }

    /// <inheritdoc />
    public RunFingerprint Fingerprint => new(new Dictionary<string, string>
    {
        ["runner"] = "table",
        ["table"] = _table.Source,
        ["rows"] = _table.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["proxies"] = string.Join(',', _proxies),
    });

    /// <summary>The value columns, by row, for fast lookups.</summary>
    public IReadOnlyList<string> Proxies => _proxies;

    /// <inheritdoc />
    public Task<TrialResult> RunAsync(TrialSettings settings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ct.ThrowIfCancellationRequested();
        if (_space?.Degeneracy(settings.Parameter.Genome) is { } why) throw new InvalidOperationException($"{settings.Parameter.Architecture}: {why}.");
        int index = _indexOf(settings.Parameter.Genome);
        int row = _table.RowOf(index);
        if (row < 0) throw new KeyNotFoundException($"{_table.Source} has no row for index {index} ({settings.Parameter.Architecture}).");
        var values = new Dictionary<string, double>(_proxies.Length, StringComparer.Ordinal);
        foreach (string p in _proxies) values[p] = _table.Column(p)[row];
        double seconds = _table.Seconds?[row] ?? 0;
        return Task.FromResult(new TrialResult
        {
            TrialSettings = settings,
            ProxyValues = values,
            DurationInMilliseconds = seconds * 1000,
        });
    }

    /// <inheritdoc />
    public void Dispose() { }
}
