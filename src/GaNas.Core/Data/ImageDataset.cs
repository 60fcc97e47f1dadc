using static TorchSharp.torch;

namespace GaNas.Data;

/// <summary>
/// Labelled images held in memory as 8-bit samples in channel-major (CHW) order, all of one size.
/// The loaders below fill it from an image folder, the CIFAR binary format or IDX (MNIST) files.
/// </summary>
public sealed class ImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;

    /// <summary>Creates a dataset; <paramref name="pixels"/> holds Count x Channels x Height x Width bytes.</summary>
    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, IReadOnlyList<string> classNames, string source)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (channels < 1 || height < 1 || width < 1) throw new ArgumentException($"{source}: image shape {channels}x{height}x{width} is invalid.");
        if (labels.Length == 0) throw new InvalidDataException($"{source}: the dataset has no images.");
        long expected = (long)labels.Length * channels * height * width;
        if (pixels.Length != expected) throw new ArgumentException($"{source}: {pixels.Length} pixel bytes for {labels.Length} images of {channels}x{height}x{width} (expected {expected}).");
        foreach (int label in labels)
        {
            if (label < 0 || label >= classNames.Count) throw new InvalidDataException($"{source}: label {label} is outside the {classNames.Count} classes.");
        }
        _pixels = pixels;
        _labels = labels;
        Channels = channels;
        Height = height;
        Width = width;
        ClassNames = classNames;
        Source = source;
    }

    /// <summary>Number of images.</summary>
    public int Count => _labels.Length;

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>Class names; labels index into it.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the images came from.</summary>
    public string Source { get; }

    /// <summary>Label of every image.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Bytes of one image (CHW).</summary>
    public ReadOnlySpan<byte> Image(int index) => _pixels.AsSpan(index * ImageSize, ImageSize);

    /// <summary>One image's samples as floats in 0..255 (CHW), as ML.NET pixel vectors hold them.</summary>
    public float[] ImageAsFloats(int index)
    {
        ReadOnlySpan<byte> image = Image(index);
        var pixels = new float[image.Length];
        for (int p = 0; p < pixels.Length; p++) pixels[p] = image[p];
        return pixels;
    }

    /// <summary>Bytes per image.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>Per-channel mean and standard deviation of the pixel values scaled to [0, 1].</summary>
    public Normalization ComputeNormalization()
    {
        var mean = new double[Channels];
        var sq = new double[Channels];
        int plane = Height * Width;
        for (int i = 0; i < Count; i++)
        {
            ReadOnlySpan<byte> image = Image(i);
            for (int c = 0; c < Channels; c++)
            {
                long s = 0, s2 = 0;
                foreach (byte v in image.Slice(c * plane, plane)) { s += v; s2 += v * v; }
                mean[c] += s / 255.0;
                sq[c] += s2 / (255.0 * 255.0);
            }
        }
        var moments = GaNas.Training.InputNormalization.FromMoments(mean, sq, (double)Count * plane);
        return new Normalization(moments.Mean, moments.Std);
    }

    /// <summary>A float tensor (n x C x H x W) of the given images, scaled to [0, 1] and normalised.</summary>
    public Tensor ToTensor(IReadOnlyList<int> indices, Normalization normalization)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(normalization);
        if (normalization.Mean.Count != Channels)
            throw new ArgumentException($"The normalisation has {normalization.Mean.Count} channels, the images {Channels}.", nameof(normalization));
        using var scope = NewDisposeScope();
        Tensor t = ToByteTensor(indices).to(ScalarType.Float32).div_(255.0);
        using Tensor mean = tensor(normalization.Mean.Select(v => (float)v).ToArray()).view(1, Channels, 1, 1);
        using Tensor std = tensor(normalization.Std.Select(v => (float)v).ToArray()).view(1, Channels, 1, 1);
        return t.sub_(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>The given images' raw pixels as a uint8 tensor (n x C x H x W).</summary>
    public Tensor ToByteTensor(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var bytes = new byte[(long)indices.Count * ImageSize];
        for (int i = 0; i < indices.Count; i++) Image(indices[i]).CopyTo(bytes.AsSpan(i * ImageSize));
        return tensor(bytes, new long[] { indices.Count, Channels, Height, Width });
    }

    /// <summary>Labels of the given images as an int64 tensor.</summary>
    public Tensor LabelTensor(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        return tensor(indices.Select(i => (long)_labels[i]).ToArray());
    }

    /// <summary>A subset (copied).</summary>
    public ImageDataset Subset(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var pixels = new byte[indices.Count * ImageSize];
        for (int i = 0; i < indices.Count; i++) Image(indices[i]).CopyTo(pixels.AsSpan(i * ImageSize));
        return new ImageDataset(pixels, indices.Select(i => _labels[i]).ToArray(), Channels, Height, Width, ClassNames, Source);
    }

    /// <summary>
    /// Loads images from a path: a directory of class subfolders of JPEG, PNG, BMP or GIF files, a CIFAR binary file
    /// (<c>.bin</c>), or an IDX image file (<c>*-idx3-ubyte[.gz]</c>, labels beside it).
    /// </summary>
    public static ImageDataset Load(string path, int? channels = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) return ImageFolderReader.Read(path, channels ?? 3);
        if (!File.Exists(path)) throw new FileNotFoundException($"Images not found: '{path}' is neither a folder nor a file.", path);
        string name = Path.GetFileName(path);
        if (name.Contains("idx3-ubyte", StringComparison.Ordinal)) return IdxReader.ReadDataset(path, IdxReader.LabelPathFor(path));
        if (name.EndsWith(".bin", StringComparison.OrdinalIgnoreCase)) return CifarBinaryReader.Read(path);
        throw new InvalidDataException($"'{path}': unknown image source; expected a folder of class subfolders, a CIFAR .bin file or an IDX *-idx3-ubyte file.");
    }
}

/// <summary>Per-channel mean and standard deviation applied as (x - mean) / std.</summary>
/// <param name="Mean">Channel means in [0, 1] units.</param>
/// <param name="Std">Channel standard deviations in [0, 1] units.</param>
public sealed record Normalization(IReadOnlyList<double> Mean, IReadOnlyList<double> Std)
{
    /// <summary>Parses "m1,m2,m3/s1,s2,s3".</summary>
    public static Normalization Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split('/');
        if (parts.Length != 2) throw new FormatException($"Normalisation '{text}' must read mean1,mean2,.../std1,std2,...");
        double[] Values(string s) => s.Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var result = new Normalization(Values(parts[0]), Values(parts[1]));
        if (result.Mean.Count != result.Std.Count || result.Std.Any(s => !(s > 0) || !double.IsFinite(s)) || result.Mean.Any(m => !double.IsFinite(m)))
            throw new FormatException($"Normalisation '{text}' needs finite means and as many positive finite std values.");
        return result;
    }
}
