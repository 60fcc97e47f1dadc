using System.Security.Cryptography;
using System.Text;
using GaNas.Networks;
using GaNas.Proxies;
using GaNas.Search;
using GaNas.SearchSpaces;
using static TorchSharp.torch;

namespace GaNas.Orleans;

/// <summary>
/// Everything a worker needs to compute exactly what a client's <see cref="ProxyEvaluator"/> computes: the space and
/// proxies by registry name, the network options, the seed, the layout, and the normalised image batch with its labels.
/// A worker builds one evaluator per spec and keeps it (<see cref="Key"/>), so the batch crosses the network once per
/// worker, not once per architecture. The worker rebuilds the evaluator's fingerprint and refuses a spec whose
/// fingerprint differs from the client's (another proxy code version, say), so values from the cluster are the local ones.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record EvaluationSpec
{
    /// <summary>Identifies the spec: a hash of its settings and its fingerprint (which covers the pixels and labels).</summary>
    [Id(0)] public required string Key { get; init; }

    /// <summary>The client evaluator's fingerprint fields, which the worker's evaluator must reproduce.</summary>
    [Id(1)] public required Dictionary<string, string> Fingerprint { get; init; }

    /// <summary>Search space name (<see cref="SearchSpaceCatalog"/>).</summary>
    [Id(2)] public required string Space { get; init; }

    /// <summary>Proxy names, in output order (<see cref="ProxyRegistry"/>).</summary>
    [Id(3)] public required string[] Proxies { get; init; }

    /// <summary>Network options, in this order: classes, channels, cells per stage, input channels, network seed.</summary>
    [Id(4)] public required int[] Network { get; init; }

    /// <summary>Whether the networks have batch normalisation.</summary>
    [Id(5)] public required bool UseBatchNorm { get; init; }

    /// <summary>Seed of weights and noise.</summary>
    [Id(6)] public required int Seed { get; init; }

    /// <summary>Whether forward passes run channels-last.</summary>
    [Id(7)] public required bool ChannelsLast { get; init; }

    /// <summary>Trim the native heap every this many evaluations (0 = never).</summary>
    [Id(8)] public required int TrimEvery { get; init; }

    /// <summary>Batch shape (B, C, H, W).</summary>
    [Id(9)] public required long[] Shape { get; init; }

    /// <summary>The normalised batch, float32, contiguous NCHW.</summary>
    [Id(10)] public required float[] Images { get; init; }

    /// <summary>Class index per image (int64), or null when the evaluator has no labels.</summary>
    [Id(11)] public long[]? Labels { get; init; }

    /// <summary>Size of the spec on the wire, roughly, in bytes (the batch dominates).</summary>
    public long ApproximateBytes => Images.LongLength * sizeof(float) + (Labels?.LongLength ?? 0) * sizeof(long) + 4096;

    /// <summary>The spec of a local evaluator.</summary>
    public static EvaluationSpec From(ProxyEvaluator evaluator)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        Dictionary<string, string> fingerprint = evaluator.Fingerprint.Fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        using Tensor images = evaluator.Images.cpu().to_type(ScalarType.Float32).contiguous();
        long[]? labels = null;
        if (evaluator.Labels is { } l)
        {
            using Tensor cpu = l.cpu().to_type(ScalarType.Int64).contiguous();
            labels = cpu.data<long>().ToArray();
        }
        NetworkOptions o = evaluator.Options;
        var spec = new EvaluationSpec
        {
            Key = "",
            Fingerprint = fingerprint,
            Space = evaluator.Space.Name,
            Proxies = evaluator.Proxies.Select(p => p.Name).ToArray(),
            Network = [o.Classes, o.Channels, o.CellsPerStage, o.InputChannels, o.Seed],
            UseBatchNorm = o.UseBatchNorm,
            Seed = evaluator.Seed,
            ChannelsLast = evaluator.ChannelsLast,
            TrimEvery = evaluator.TrimEvery,
            Shape = images.shape.ToArray(),
            Images = images.data<float>().ToArray(),
            Labels = labels,
        };
        return spec with { Key = spec.ComputeKey() };
    }

    /// <summary>Most images, pixels per side, channels, classes, width and cells a worker accepts (the CLI's limits, docs/robustness.md).</summary>
    internal const int MaxImages = 1024, MaxSide = 1024, MaxInputChannels = 4, MaxClasses = 10_000, MaxWidth = 256, MaxCells = 16;

    /// <summary>
    /// Builds the evaluator this spec describes, with tensors of its own (dispose them with <see cref="OwnedEvaluator"/>).
    /// Throws <see cref="InvalidDataException"/> naming the problem when the spec is malformed or its evaluator's
    /// fingerprint is not the client's.
    /// </summary>
    internal OwnedEvaluator Build()
    {
        if (Shape is not { Length: 4 } || Shape.Any(d => d < 1))
            throw new InvalidDataException($"Evaluation spec {Key}: the image batch's shape must be B x C x H x W with positive sizes, not [{string.Join(", ", Shape ?? [])}].");
        long count = Shape.Aggregate(1L, (a, d) => checked(a * d));
        if (Images is null || Images.LongLength != count)
            throw new InvalidDataException($"Evaluation spec {Key}: shape [{string.Join(", ", Shape)}] needs {count} pixel values, the spec carries {Images?.LongLength ?? 0}.");
        if (Images.Any(v => !float.IsFinite(v))) throw new InvalidDataException($"Evaluation spec {Key}: the image batch contains NaN or infinite values.");
        if (Labels is not null && Labels.LongLength != Shape[0])
            throw new InvalidDataException($"Evaluation spec {Key}: {Labels.LongLength} labels for a batch of {Shape[0]} images.");
        if (Network is not { Length: 5 }) throw new InvalidDataException($"Evaluation spec {Key}: the network options are malformed.");
        if (Shape[0] > MaxImages || Shape[1] > MaxInputChannels || Shape[2] > MaxSide || Shape[3] > MaxSide)
            throw new InvalidDataException($"Evaluation spec {Key}: a batch of [{string.Join(", ", Shape)}] is beyond this worker's limits ({MaxImages} images of at most {MaxInputChannels} channels and {MaxSide} pixels per side).");
        if (Network[0] > MaxClasses || Network[1] > MaxWidth || Network[2] > MaxCells)
            throw new InvalidDataException($"Evaluation spec {Key}: {Network[0]} classes, width {Network[1]} and {Network[2]} cells per stage are beyond this worker's limits ({MaxClasses}, {MaxWidth}, {MaxCells}).");
        ISearchSpace space = SearchSpaceCatalog.ByName(Space);
        IReadOnlyList<IZeroCostProxy> proxies = Proxies.Select(ProxyRegistry.Create).ToList();
        var options = new NetworkOptions
        {
            Classes = Network[0], Channels = Network[1], CellsPerStage = Network[2], InputChannels = Network[3], Seed = Network[4], UseBatchNorm = UseBatchNorm,
        };
        options.Validate();
        Tensor images = tensor(Images, Shape);
        Tensor? labels = Labels is null ? null : tensor(Labels);
        try
        {
            var evaluator = new ProxyEvaluator(space, proxies, images, options, Seed, labels) { ChannelsLast = ChannelsLast, TrimEvery = TrimEvery };
            if (evaluator.Fingerprint.DifferenceFrom(new RunFingerprint(Fingerprint)) is { } difference)
                throw new InvalidDataException($"Evaluation spec {Key}: this worker would not compute the client's values ({difference.Replace("in the file", "at the client", StringComparison.Ordinal).Replace("in this run", "on this worker", StringComparison.Ordinal)}); run the same GaNas version on the client and the workers.");
            return new OwnedEvaluator(evaluator, images, labels);
        }
        catch
        {
            images.Dispose();
            labels?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The key this spec's content gives: SHA-256 (hex, 16 bytes) of the fingerprint's fields in order and of every setting
    /// (space, proxies, network options, batch norm, seed, layout, trimming, shape). The pixels and labels enter through
    /// the fingerprint's hashes, which the worker checks against the pixels it is sent.
    /// </summary>
    internal string ComputeKey()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in (Fingerprint ?? []).OrderBy(f => f.Key, StringComparer.Ordinal)) text.Append(key).Append('=').Append(value).Append('\n');
        text.Append("space=").Append(Space).Append("\nproxies=").Append(string.Join(',', Proxies ?? []))
            .Append("\nnetwork=").Append(string.Join(',', Network ?? [])).Append("\nbatch_norm=").Append(UseBatchNorm)
            .Append("\nseed=").Append(Seed).Append("\nchannels_last=").Append(ChannelsLast).Append("\ntrim_every=").Append(TrimEvery)
            .Append("\nshape=").Append(string.Join('x', Shape ?? [])).Append("\nlabels=").Append(Labels is null ? "none" : "some");
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())), 0, 16);
    }
}

/// <summary>An evaluator built from a spec, with the image and label tensors it owns.</summary>
internal sealed class OwnedEvaluator(ProxyEvaluator evaluator, Tensor images, Tensor? labels) : IDisposable
{
    public ProxyEvaluator Evaluator { get; } = evaluator;

    public void Dispose()
    {
        images.Dispose();
        labels?.Dispose();
    }
}
