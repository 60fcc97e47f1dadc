using GaNas.SearchSpaces;

namespace GaNas.Benchmarks;

/// <summary>One architecture's ground truth in a NATS-Bench table.</summary>
/// <param name="Index">Official NATS-Bench API index.</param>
/// <param name="Architecture">Canonical architecture string.</param>
/// <param name="Genome">The parsed architecture.</param>
/// <param name="Parameters">Parameter count with the table's classifier.</param>
/// <param name="TestAccuracy">Test accuracy (%), NaN when the table has none.</param>
/// <param name="ValidAccuracy">Validation accuracy (%), NaN when the table has none.</param>
public sealed record BenchmarkEntry(int Index, string Architecture, Genome Genome, long Parameters, double TestAccuracy, double ValidAccuracy);

/// <summary>
/// A NATS-Bench ground-truth table (<c>index,arch,params,test_acc,valid_acc</c>): maps architecture
/// strings to benchmark indices (TSS indices are not derivable from the string) and holds accuracies.
/// The accuracy columns are optional so that tables without ground truth use the same reader.
/// </summary>
public sealed class BenchmarkTable
{
    private readonly BenchmarkEntry[] _byIndex;
    private readonly Dictionary<Genome, BenchmarkEntry> _byGenome;

    private BenchmarkTable(ISearchSpace space, string source, BenchmarkEntry[] byIndex, Dictionary<Genome, BenchmarkEntry> byGenome)
    {
        Space = space;
        Source = source;
        _byIndex = byIndex;
        _byGenome = byGenome;
    }

    /// <summary>The table's search space.</summary>
    public ISearchSpace Space { get; }

    /// <summary>File the table was read from.</summary>
    public string Source { get; }

    /// <summary>Number of architectures.</summary>
    public int Count => _byIndex.Length;

    /// <summary>All entries in index order.</summary>
    public IReadOnlyList<BenchmarkEntry> Entries => _byIndex;

    /// <summary>Entry by benchmark index.</summary>
    public BenchmarkEntry this[int index] => index >= 0 && index < _byIndex.Length
        ? _byIndex[index]
        : throw new ArgumentOutOfRangeException(nameof(index), index, $"{Source} has indices 0..{_byIndex.Length - 1}.");

    /// <summary>Entry of a genome; throws when the table lacks it.</summary>
    public BenchmarkEntry Find(Genome genome) => TryFind(genome, out var entry)
        ? entry!
        : throw new KeyNotFoundException($"{Source} has no architecture {Space.Format(genome)}.");

    /// <summary>Entry of a genome, if present.</summary>
    public bool TryFind(Genome genome, out BenchmarkEntry? entry) => _byGenome.TryGetValue(genome, out entry);

    /// <summary>
    /// Reads a table. Indices must be exactly 0..n-1 (any order) and architectures must parse in
    /// <paramref name="space"/> and be distinct; otherwise the error names the line.
    /// </summary>
    public static BenchmarkTable Read(ISearchSpace space, string path)
    {
        ArgumentNullException.ThrowIfNull(space);
        CsvTable csv = CsvTable.Read(path);
        int iIndex = csv.Column("index");
        int iArch = csv.Column("arch");
        int iParams = csv.Has("params") ? csv.Column("params") : -1;
        int iTest = csv.Has("test_acc") ? csv.Column("test_acc") : -1;
        int iValid = csv.Has("valid_acc") ? csv.Column("valid_acc") : -1;
        if (csv.Rows.Count == 0) throw new InvalidDataException($"{path}: the table has no rows.");
        var byIndex = new BenchmarkEntry[csv.Rows.Count];
        var byGenome = new Dictionary<Genome, BenchmarkEntry>(csv.Rows.Count);
        for (int r = 0; r < csv.Rows.Count; r++)
        {
            int index = csv.Index(r, iIndex);
            if (index >= byIndex.Length)
                throw new InvalidDataException($"{path}: line {r + 2}: index {index} is outside 0..{byIndex.Length - 1}.");
            if (byIndex[index] is not null)
                throw new InvalidDataException($"{path}: line {r + 2}: index {index} appears twice.");
            Genome genome;
            try
            {
                genome = space.Parse(csv.Rows[r][iArch]);
            }
            catch (ArchitectureFormatException ex)
            {
                throw new InvalidDataException($"{path}: line {r + 2}: {ex.Message}", ex);
            }
            var entry = new BenchmarkEntry((int)index, space.Format(genome), genome,
                iParams >= 0 ? csv.WholeNumber(r, iParams) : -1,
                iTest >= 0 ? Accuracy(csv, r, iTest) : double.NaN,
                iValid >= 0 ? Accuracy(csv, r, iValid) : double.NaN);
            if (!byGenome.TryAdd(genome, entry))
                throw new InvalidDataException($"{path}: line {r + 2}: architecture {entry.Architecture} appears twice.");
            byIndex[index] = entry;
        }
        return new BenchmarkTable(space, path, byIndex, byGenome);
    }

    /// <summary>An accuracy field: a finite percentage (ground truth has no missing or non-finite values).</summary>
    private static double Accuracy(CsvTable csv, int row, int column)
    {
        double value = csv.Number(row, column);
        return value is >= 0 and <= 100
            ? value
            : throw new InvalidDataException($"{csv.Source}: line {row + 2}, column '{csv.Header[column]}': '{csv.Rows[row][column]}' is not an accuracy in 0..100.");
    }

    /// <summary>
    /// Checks that every row of <paramref name="proxies"/> that names its architecture names the one this table has at
    /// that index, so that joining by index and looking up by architecture agree; throws naming the first mismatch.
    /// </summary>
    public void CheckAgreesWith(ProxyTable proxies)
    {
        ArgumentNullException.ThrowIfNull(proxies);
        for (int r = 0; r < proxies.Count; r++)
        {
            string? arch = proxies.Architectures[r];
            int index = proxies.Indices[r];
            if (index >= _byIndex.Length)
                throw new InvalidDataException($"{proxies.Source}: index {index} (row {r + 1}) is not in {Source}, which has indices 0..{_byIndex.Length - 1}.");
            if (arch is null) continue;
            string canonical;
            try
            {
                canonical = Space.Format(Space.Parse(arch));
            }
            catch (ArchitectureFormatException ex)
            {
                throw new InvalidDataException($"{proxies.Source}: row {r + 1} (index {index}): {ex.Message}", ex);
            }
            if (canonical != _byIndex[index].Architecture)
                throw new InvalidDataException($"{proxies.Source}: index {index} is {canonical}, but {Source} has {_byIndex[index].Architecture} at that index; the tables do not belong together.");
        }
    }
}
