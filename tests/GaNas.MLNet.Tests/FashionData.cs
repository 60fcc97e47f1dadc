using GaNas.Data;
using Microsoft.ML.Data;

namespace GaNas.Tests;

/// <summary>Fashion-MNIST from the Debian package dataset-fashion-mnist (installed by .ci/run).</summary>
public static class FashionData
{
    public const string Directory = "/usr/share/datasets/fashion-mnist";

    public static string[] ClassNames { get; } = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public static ImageDataset Train(int count) => Load("train", count);

    public static ImageDataset Test(int count) => Load("t10k", count);

    private static ImageDataset Load(string prefix, int count)
    {
        string images = Path.Combine(Directory, $"{prefix}-images-idx3-ubyte.gz");
        if (!File.Exists(images))
            throw new FileNotFoundException($"Fashion-MNIST is missing: apt-get install dataset-fashion-mnist ({images}).");
        var all = IdxReader.ReadDataset(images, IdxReader.LabelPathFor(images), ClassNames);
        return all.Subset(Enumerable.Range(0, Math.Min(count, all.Count)).ToArray());
    }

    public static IEnumerable<PixelRow> Rows(ImageDataset data)
    {
        for (int i = 0; i < data.Count; i++) yield return new PixelRow { Label = data.ClassNames[data.Labels[i]], Features = data.ImageAsFloats(i) };
    }
}

public sealed class PixelRow
{
    public string Label { get; set; } = string.Empty;

    [VectorType(784)]
    public float[] Features { get; set; } = [];
}

public sealed class Prediction
{
    public float[] Score { get; set; } = [];

    public uint PredictedLabel { get; set; }
}
