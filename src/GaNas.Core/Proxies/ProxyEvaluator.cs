using System.Diagnostics;
using GaNas.Networks;
using GaNas.Runtime;
using GaNas.SearchSpaces;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>The proxy values of one architecture and the wall time they took.</summary>
/// <param name="Genome">The architecture.</param>
/// <param name="Values">Value per proxy name.</param>
/// <param name="Seconds">Wall time to build the network(s) and compute every proxy.</param>
public sealed record ProxyScores(Genome Genome, IReadOnlyDictionary<string, ProxyValue> Values, double Seconds)
{
    /// <summary>Names of the proxies that failed, with their reasons.</summary>
    public IEnumerable<string> Failures => Values.Where(v => !v.Value.IsValid).Select(v => $"{v.Key}: {v.Value.Failure}");
}

/// <summary>
/// Scores architectures with a fixed set of proxies on a fixed image batch: builds each network
/// once, runs the shared passes once, and disposes every tensor it created (memory stays flat over
/// thousands of evaluations).
/// </summary>
public sealed class ProxyEvaluator : IProxyScorer
{
    private readonly CleanPassNeeds _needs;
    private int _evaluations;

    /// <summary>Creates the evaluator.</summary>
    /// <param name="space">The search space.</param>
    /// <param name="proxies">The proxies to compute.</param>
    /// <param name="images">Normalised image batch (B x C x H x W); the caller keeps ownership.</param>
    /// <param name="options">Network options (classes, skeleton, input channels).</param>
    /// <param name="seed">Seed of the weights and noise, the same for every architecture.</param>
    /// <param name="labels">Class indices of the images (int64), needed by gradient proxies; the caller keeps ownership.</param>
    public ProxyEvaluator(ISearchSpace space, IReadOnlyList<IZeroCostProxy> proxies, Tensor images, NetworkOptions options, int seed, Tensor? labels = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(proxies);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        if (proxies.Count == 0) throw new ArgumentException("At least one proxy is needed.", nameof(proxies));
        if (images.shape[0] < 2) throw new ArgumentException("Proxies need a batch of at least 2 images.", nameof(images));
        if (labels is not null && (labels.dim() != 1 || labels.shape[0] != images.shape[0] || labels.dtype != ScalarType.Int64))
            throw new ArgumentException($"The labels must be one int64 class index per image: {images.shape[0]} images, labels of shape [{string.Join(", ", labels.shape)}] and type {labels.dtype}.", nameof(labels));
        TorchRuntime.EnsureLoaded(); // libtorch's log level: no stderr line per float64 convolution (LibTorchLogLevel)
        Space = space;
        Proxies = proxies;
        Images = images;
        Options = options;
        Seed = seed;
        Labels = labels;
        foreach (var p in proxies) _needs |= p.Needs;
    }

    /// <summary>The search space.</summary>
    public ISearchSpace Space { get; }

    /// <summary>The proxies, in output order.</summary>
    public IReadOnlyList<IZeroCostProxy> Proxies { get; }

    /// <summary>The image batch.</summary>
    public Tensor Images { get; }

    /// <summary>Network options.</summary>
    public NetworkOptions Options { get; }

    /// <summary>
    /// What determines this evaluator's values: space, proxies in order, seed, skeleton, classes, the batch's shape and
    /// a hash of its (normalised) pixels and labels. Computed on first use.
    /// </summary>
    public GaNas.Search.RunFingerprint Fingerprint => _fingerprint ??= new GaNas.Search.RunFingerprint(new Dictionary<string, string>
    {
        ["space"] = Space.Name,
        ["proxies"] = string.Join(',', Proxies.Select(p => p.Name)),
        ["proxy_code"] = GaNas.Search.RunFingerprint.ProxyCodeVersion,
        ["seed"] = Seed.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["classes"] = Options.Classes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["channels"] = Options.Channels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["cells"] = Options.CellsPerStage.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["input_channels"] = Options.InputChannels.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["batch"] = GaNas.Search.RunFingerprint.ShapeOf(Images),
        ["images"] = GaNas.Search.RunFingerprint.HashOf(Images),
        ["labels"] = Labels is null ? "none" : GaNas.Search.RunFingerprint.HashOf(Labels),
    });

    private GaNas.Search.RunFingerprint? _fingerprint;

    /// <summary>Seed of weights and noise.</summary>
    public int Seed { get; }

    /// <summary>Labels of the images, or null.</summary>
    public Tensor? Labels { get; }

    /// <summary>
    /// Every this many evaluations the native heap's free pages go back to the OS (<see cref="GaNas.Runtime.NativeHeap"/>),
    /// which keeps resident memory flat over thousands of networks; 0 never trims.
    /// </summary>
    public int TrimEvery
    {
        get => _trimEvery;
        init => _trimEvery = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(TrimEvery), value, "Trim every N >= 1 evaluations, or 0 for never.");
    }

    private readonly int _trimEvery = 32;

    /// <summary>Run the forward passes channels-last (default; faster on CPU, docs/performance.md). False keeps NCHW, for comparisons.</summary>
    public bool ChannelsLast { get; init; } = true;

    /// <inheritdoc />
    public int Concurrency => 1;

    /// <summary>
    /// The same evaluation (space, proxies, batch, labels, networks, layout) under weight seed <paramref name="seed"/>:
    /// a repeat of finalist re-scoring (<see cref="GaNas.Search.FinalistRescoring"/>).
    /// </summary>
    public ProxyEvaluator WithSeed(int seed) => new(Space, Proxies, Images, Options, seed, Labels) { ChannelsLast = ChannelsLast, TrimEvery = TrimEvery };

    /// <summary>Computes every proxy on the calling thread (the task is complete when it returns).</summary>
    public Task<ProxyScores> ScoreAsync(Genome genome, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Evaluate(genome));
    }

    /// <summary>Computes every proxy for one architecture.</summary>
    public ProxyScores Evaluate(Genome genome)
    {
        var watch = Stopwatch.StartNew();
        var values = new Dictionary<string, ProxyValue>(StringComparer.Ordinal);
        if (Space.Degeneracy(genome) is { } why)
        {
            foreach (IZeroCostProxy proxy in Proxies) values[proxy.Name] = ProxyValue.Failed(why);
            return new ProxyScores(genome, values, watch.Elapsed.TotalSeconds);
        }
        using (var scope = NewDisposeScope())
        using (var context = new ProxyContext(Space, genome, Images, Options, Seed, _needs, ChannelsLast) { Labels = Labels })
        {
            foreach (IZeroCostProxy proxy in Proxies)
            {
                values[proxy.Name] = proxy.Compute(context);
            }
        }
        if (TrimEvery > 0 && Interlocked.Increment(ref _evaluations) % TrimEvery == 0) GaNas.Runtime.NativeHeap.Trim();
        return new ProxyScores(genome, values, watch.Elapsed.TotalSeconds);
    }
}
