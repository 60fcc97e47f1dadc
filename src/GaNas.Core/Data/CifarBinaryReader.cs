namespace GaNas.Data;

/// <summary>
/// Reads the CIFAR binary record format: per image, one label byte (CIFAR-10; CIFAR-100 has a
/// coarse and a fine label byte) then 1024 red, 1024 green and 1024 blue bytes of a 32x32 image.
/// </summary>
public static class CifarBinaryReader
{
    private const int ImageBytes = 3 * 32 * 32;

    /// <summary>Reads a file. <paramref name="labelBytes"/> = 1 (CIFAR-10) or 2 (CIFAR-100, the fine label is used).</summary>
    public static ImageDataset Read(string path, int labelBytes = 1, int classes = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (labelBytes is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(labelBytes), labelBytes, "CIFAR records have 1 or 2 label bytes.");
        byte[] data = File.ReadAllBytes(path);
        int record = labelBytes + ImageBytes;
        if (data.Length == 0) throw new InvalidDataException($"CIFAR file '{path}' is empty.");
        if (data.Length % record != 0)
            throw new InvalidDataException($"CIFAR file '{path}' has {data.Length} bytes, not a multiple of the {record}-byte record: truncated or not CIFAR.");
        int count = data.Length / record;
        var labels = new int[count];
        var pixels = new byte[count * ImageBytes];
        for (int i = 0; i < count; i++)
        {
            labels[i] = data[i * record + labelBytes - 1];
            Buffer.BlockCopy(data, i * record + labelBytes, pixels, i * ImageBytes, ImageBytes);
        }
        int classCount = classes > 0 ? classes : labelBytes == 1 ? 10 : 100;
        if (labels.Max() >= classCount) throw new InvalidDataException($"CIFAR file '{path}' has label {labels.Max()}, beyond {classCount} classes.");
        var names = Enumerable.Range(0, classCount).Select(c => c.ToString("D3", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new ImageDataset(pixels, labels, 3, 32, 32, names, path);
    }
}
