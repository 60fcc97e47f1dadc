using System.Buffers.Binary;
using System.IO.Compression;

namespace GaNas.Data;

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed): images are
/// magic 0x00000803 with count, rows and columns; labels are magic 0x00000801 with count.
/// </summary>
public static class IdxReader
{
    /// <summary>The labels file that goes with an images file (<c>-images-idx3-ubyte</c> to <c>-labels-idx1-ubyte</c>).</summary>
    public static string LabelPathFor(string imagesPath)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        string name = Path.GetFileName(imagesPath).Replace("images-idx3", "labels-idx1", StringComparison.Ordinal);
        return Path.Combine(Path.GetDirectoryName(imagesPath) ?? ".", name);
    }

    /// <summary>Reads images and labels into a greyscale dataset with class names "0".."9" (or <paramref name="classNames"/>).</summary>
    public static ImageDataset ReadDataset(string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null)
    {
        var (pixels, count, rows, cols) = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath);
        if (labels.Length != count)
            throw new InvalidDataException($"'{imagesPath}' has {count} images but '{labelsPath}' has {labels.Length} labels.");
        int classes = classNames?.Count ?? labels.Max() + 1;
        var names = classNames ?? Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new ImageDataset(pixels, labels.Select(l => (int)l).ToArray(), 1, rows, cols, names, imagesPath);
    }

    /// <summary>Reads an IDX3 image file.</summary>
    public static (byte[] Pixels, int Count, int Rows, int Columns) ReadImages(string path)
    {
        byte[] data = ReadAll(path);
        if (data.Length < 16 || BinaryPrimitives.ReadInt32BigEndian(data) != 0x00000803)
            throw new InvalidDataException($"'{path}' is not an IDX image file (magic 0x00000803 expected).");
        int count = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(8));
        int cols = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(12));
        long expected = 16L + (long)count * rows * cols;
        if (count <= 0 || rows <= 0 || cols <= 0 || data.Length != expected)
            throw new InvalidDataException($"'{path}' declares {count} images of {rows}x{cols} ({expected} bytes) but has {data.Length} bytes: truncated or corrupt.");
        return (data.AsSpan(16).ToArray(), count, rows, cols);
    }

    /// <summary>Reads an IDX1 label file.</summary>
    public static byte[] ReadLabels(string path)
    {
        byte[] data = ReadAll(path);
        if (data.Length < 8 || BinaryPrimitives.ReadInt32BigEndian(data) != 0x00000801)
            throw new InvalidDataException($"'{path}' is not an IDX label file (magic 0x00000801 expected).");
        int count = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        if (count <= 0 || data.Length != 8L + count)
            throw new InvalidDataException($"'{path}' declares {count} labels but has {data.Length - 8} label bytes: truncated or corrupt.");
        return data.AsSpan(8).ToArray();
    }

    private static byte[] ReadAll(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist.", path);
        if (!path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)) return File.ReadAllBytes(path);
        try
        {
            using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            using var memory = new MemoryStream();
            gz.CopyTo(memory);
            return memory.ToArray();
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid gzip: {ex.Message}", ex);
        }
    }
}
