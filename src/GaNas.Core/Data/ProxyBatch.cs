using static TorchSharp.torch;

namespace GaNas.Data;

/// <summary>A normalised image batch for proxy computation, chosen by a seeded draw from a dataset.</summary>
/// <param name="Images">B x C x H x W float32 tensor (caller disposes).</param>
/// <param name="Labels">Labels of the chosen images.</param>
/// <param name="Normalization">The normalisation applied.</param>
/// <param name="Source">Where the images came from.</param>
public sealed record ProxyBatch(Tensor Images, IReadOnlyList<int> Labels, Normalization Normalization, string Source)
{
    /// <summary>Loads images, draws <paramref name="batch"/> of them with <paramref name="seed"/>, and normalises them.</summary>
    /// <param name="path">Image folder, CIFAR .bin or IDX file.</param>
    /// <param name="batch">Number of images.</param>
    /// <param name="seed">Seed of the draw.</param>
    /// <param name="normalization">"m1,m2,m3/s1,s2,s3", or null to compute mean and std from all loaded images.</param>
    public static ProxyBatch Load(string path, int batch, int seed, string? normalization)
    {
        ImageDataset data = ImageDataset.Load(path);
        return From(data, batch, seed, normalization is null ? null : Normalization.Parse(normalization));
    }

    /// <summary>
    /// Labels as an int64 tensor of class indices below <paramref name="classes"/>, for gradient proxies.
    /// When the image folders carry more classes than the network has (e.g. ImageNet class ids for a
    /// 120-class network), the distinct labels are numbered in order and wrapped modulo the class count.
    /// </summary>
    public Tensor LabelTensor(int classes)
    {
        if (classes < 1) throw new ArgumentOutOfRangeException(nameof(classes), classes, "At least one class.");
        if (Labels.Count == 0 || Labels.Max() < classes) return tensor(Labels.Select(l => (long)l).ToArray());
        var rank = Labels.Distinct().Order().Select((label, i) => (label, i)).ToDictionary(p => p.label, p => p.i);
        return tensor(Labels.Select(l => (long)(rank[l] % classes)).ToArray());
    }

    /// <summary>Draws a batch from a loaded dataset.</summary>
    public static ProxyBatch From(ImageDataset data, int batch, int seed, Normalization? normalization = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batch < 2) throw new ArgumentOutOfRangeException(nameof(batch), batch, "A proxy batch needs at least 2 images.");
        if (batch > data.Count) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"{data.Source} has only {data.Count} images.");
        int[] chosen = GaNas.Runtime.SeededSample.Indices(data.Count, batch, seed);
        Normalization norm = normalization ?? data.ComputeNormalization();
        return new ProxyBatch(data.ToTensor(chosen, norm), chosen.Select(i => data.Labels[i]).ToArray(), norm, data.Source);
    }
}
