using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace GaNas.Benchmarks;

/// <summary>
/// A small, strict CSV reader for the benchmark and proxy tables (no quoting: the tables contain
/// none). Reads plain or gzip-compressed files; every error names the file, line and column.
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _columns;

    private CsvTable(string source, string[] header, List<string[]> rows)
    {
        Source = source;
        Header = header;
        Rows = rows;
        _columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Length; i++)
        {
            if (!_columns.TryAdd(header[i], i))
                throw new InvalidDataException($"{source}: column '{header[i]}' appears twice in the header.");
        }
    }

    /// <summary>Where the table came from (for messages).</summary>
    public string Source { get; }

    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Header { get; }

    /// <summary>Data rows (header excluded), each with one field per column.</summary>
    public IReadOnlyList<string[]> Rows { get; }

    /// <summary>Whether a column exists.</summary>
    public bool Has(string column) => _columns.ContainsKey(column);

    /// <summary>Index of a column; throws naming the missing column and the ones present.</summary>
    public int Column(string column) => _columns.TryGetValue(column, out int i)
        ? i
        : throw new InvalidDataException($"{Source}: no column '{column}' (columns: {string.Join(", ", Header)}).");

    /// <summary>
    /// Reads a CSV file (gzip when the name ends in .gz) all or nothing: a gzip file must decompress cleanly and
    /// match its trailer's CRC-32 and length, so a truncated or damaged file is an error naming it, never a shorter table.
    /// </summary>
    public static CsvTable Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Table file '{path}' does not exist.", path);
        using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? Gunzip(path) : File.OpenRead(path);
        using var reader = new StreamReader(stream);
        try
        {
            return Read(reader, path);
        }
        catch (InvalidDataException ex) when (ex.InnerException is null && !ex.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The decompressed contents of a single-member gzip file (RFC 1952): the header is parsed here, the deflate data
    /// decompressed by <see cref="DeflateStream"/>, and the trailer's CRC-32 and length checked here, so each failure
    /// gets its own message (zlib's own trailer check surfaces in .NET as "unsupported compression method").
    /// </summary>
    private static MemoryStream Gunzip(string path)
    {
        byte[] gz = File.ReadAllBytes(path);
        if (gz.Length < 18 || gz[0] != 0x1f || gz[1] != 0x8b)
            throw new InvalidDataException($"{path}: not a gzip file (no gzip header), although its name ends in .gz.");
        if (gz[2] != 8) throw new InvalidDataException($"{path}: gzip compression method {gz[2]}; only deflate (8) exists.");
        int flags = gz[3], start = 10;
        if ((flags & 0x04) != 0) start += 2 + BinaryPrimitives.ReadUInt16LittleEndian(gz.AsSpan(start));
        if ((flags & 0x08) != 0) start = Array.IndexOf(gz, (byte)0, start) + 1;
        if ((flags & 0x10) != 0) start = Array.IndexOf(gz, (byte)0, start) + 1;
        if ((flags & 0x02) != 0) start += 2;
        if (start <= 0 || start > gz.Length - 8) throw new InvalidDataException($"{path}: the gzip header runs past the end of the file (truncated).");
        var output = new MemoryStream();
        try
        {
            using var deflate = new DeflateStream(new MemoryStream(gz, start, gz.Length - start), CompressionMode.Decompress);
            deflate.CopyTo(output);
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"{path}: corrupt deflate data after {output.Length:N0} decompressed bytes ({ex.Message}); the file is damaged or truncated.", ex);
        }
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 8));
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 4));
        if ((uint)output.Length != size)
            throw new InvalidDataException($"{path}: truncated or corrupt gzip file: {output.Length:N0} bytes decompressed, but its trailer says {size:N0} (gzip -t fails on it too).");
        var data = new ReadOnlySpan<byte>(output.GetBuffer(), 0, (int)output.Length);
        uint actual = System.IO.Hashing.Crc32.HashToUInt32(data);
        if (actual != crc)
            throw new InvalidDataException($"{path}: gzip CRC-32 mismatch: the data decompress to {output.Length:N0} bytes whose CRC-32 is {actual:x8}, the trailer says {crc:x8}; the file is damaged.");
        output.Position = 0;
        return output;
    }

    /// <summary>Reads CSV text.</summary>
    public static CsvTable Read(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        string? headerLine = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(headerLine)) throw new InvalidDataException($"{source}: the file is empty (no header line).");
        string[] header = headerLine.Trim().Split(',');
        var rows = new List<string[]>();
        int lineNumber = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            string[] fields = line.Split(',');
            if (fields.Length != header.Length)
                throw new InvalidDataException($"{source}: line {lineNumber} has {fields.Length} fields, the header has {header.Length}.");
            rows.Add(fields);
        }
        return new CsvTable(source, header, rows);
    }

    /// <summary>
    /// Parses a field as a double ("nan" gives NaN, "inf"/"-inf" infinities); an empty field (a missing value) or
    /// anything else that is not a number throws naming the line and column.
    /// </summary>
    public double Number(int row, int column)
    {
        string text = Rows[row][column];
        if (text.Length == 0)
            throw new InvalidDataException($"{Source}: line {row + 2}, column '{Header[column]}' is empty (a missing value; write nan, inf or -inf for a non-finite one).");
        if (text.Equals("nan", StringComparison.OrdinalIgnoreCase)) return double.NaN;
        if (text.Equals("-inf", StringComparison.OrdinalIgnoreCase)) return double.NegativeInfinity;
        if (text.Equals("inf", StringComparison.OrdinalIgnoreCase)) return double.PositiveInfinity;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new InvalidDataException($"{Source}: line {row + 2}, column '{Header[column]}': '{text}' is not a number.");
    }

    /// <summary>Parses a benchmark index: a whole number in 0..int.MaxValue; throws naming line and column otherwise.</summary>
    public int Index(int row, int column)
    {
        long value = WholeNumber(row, column);
        return value is >= 0 and <= int.MaxValue
            ? (int)value
            : throw new InvalidDataException($"{Source}: line {row + 2}, column '{Header[column]}': index {value} is outside 0..{int.MaxValue}.");
    }

    /// <summary>Parses a field as a 64-bit integer; throws naming line and column otherwise.</summary>
    public long WholeNumber(int row, int column)
    {
        string text = Rows[row][column];
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new InvalidDataException($"{Source}: line {row + 2}, column '{Header[column]}': '{text}' is not a whole number.");
    }
}
