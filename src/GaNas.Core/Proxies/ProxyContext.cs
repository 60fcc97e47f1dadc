using GaNas.Networks;
using GaNas.SearchSpaces;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// Everything the proxies of one architecture share: the untrained network (built once, seeded),
/// the image batch, the clean forward pass, the SynFlow backward pass and the size statistics.
/// Each is computed on first use, so a proxy set pays only for what it needs. Dispose it after use.
/// </summary>
public sealed class ProxyContext : IDisposable
{
    private readonly CleanPassNeeds _needs;
    private CellNetwork? _network;
    private CleanPass? _clean;
    private SynFlowPass? _synflow;
    private NetworkStatistics? _statistics;
    private GradientPass? _gradients;
    private BatchGradientPass? _batchGradients;

    /// <summary>Creates the context.</summary>
    /// <param name="space">The search space.</param>
    /// <param name="genome">The architecture.</param>
    /// <param name="images">Normalised image batch (B x C x H x W, float32); not owned.</param>
    /// <param name="options">Network options (classes, skeleton, input channels).</param>
    /// <param name="seed">Seed of the network weights and of any noise.</param>
    /// <param name="needs">What the shared clean forward pass must record.</param>
    /// <param name="channelsLast">Run the forward passes on a channels-last copy of the images (faster; see <see cref="MemoryLayout"/>).</param>
    public ProxyContext(ISearchSpace space, Genome genome, Tensor images, NetworkOptions options, int seed, CleanPassNeeds needs, bool channelsLast = true)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(genome);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        space.Validate(genome);
        if (images.dim() != 4) throw new ArgumentException($"The image batch must be B x C x H x W, got [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.shape[1] != options.InputChannels)
            throw new ArgumentException($"The images have {images.shape[1]} channels, the network expects {options.InputChannels}.", nameof(images));
        Space = space;
        Genome = genome;
        Images = images;
        ChannelsLast = channelsLast;
        Input = channelsLast ? MemoryLayout.ToChannelsLast(images).DetachFromDisposeScope() : images;
        Options = options.With(seed: seed);
        Seed = seed;
        _needs = needs;
    }

    /// <summary>The search space.</summary>
    public ISearchSpace Space { get; }

    /// <summary>The architecture.</summary>
    public Genome Genome { get; }

    /// <summary>The image batch.</summary>
    public Tensor Images { get; }

    /// <summary>The image batch every forward pass of the proxies uses: a channels-last copy owned by the context, or <see cref="Images"/> itself.</summary>
    public Tensor Input { get; }

    /// <summary>Whether <see cref="Input"/> is stored channels-last.</summary>
    public bool ChannelsLast { get; }

    /// <summary>A batch derived from the images (e.g. a noisy copy) in the layout of <see cref="Input"/>.</summary>
    public Tensor InLayout(Tensor batch) => ChannelsLast ? MemoryLayout.ToChannelsLast(batch) : batch;

    /// <summary>Options of the network (with the seed applied).</summary>
    public NetworkOptions Options { get; }

    /// <summary>Seed of weights and noise.</summary>
    public int Seed { get; }

    /// <summary>Input height (= width) of the images.</summary>
    public int InputSize => (int)Images.shape[2];

    /// <summary>The untrained float32 network with batch norm.</summary>
    public CellNetwork Network => _network ??= Build();

    private CellNetwork Build()
    {
        CellNetwork network = Space.BuildNetwork(Genome, Options);
        // A one-channel batch is channels-last and NCHW at once; the weights then choose libtorch's kernels, and its NCHW
        // ones are wrong with few channels on some CPUs (MemoryLayout.StoreWeightsChannelsLast).
        if (ChannelsLast && Images.shape[1] == 1) MemoryLayout.StoreWeightsChannelsLast(network);
        return network;
    }

    /// <summary>The shared clean forward pass.</summary>
    public CleanPass Clean => _clean ??= CleanPass.Run(Network, Input, _needs);

    /// <summary>The shared SynFlow backward pass (float64, no batch norm, absolute weights, all-ones input).</summary>
    public SynFlowPass SynFlow => _synflow ??= SynFlowPass.Run(Space, Genome, Options, InputSize);

    /// <summary>Class labels of the batch (int64), for gradient proxies; null when the batch has none.</summary>
    public Tensor? Labels { get; init; }

    /// <summary>The labels, for a proxy that needs them; throws <see cref="InvalidOperationException"/> naming the need when the batch has none.</summary>
    public Tensor RequiredLabels => Labels ?? throw new InvalidOperationException("Gradient proxies (zico, grad_norm, snip, grasp, fisher) need the labels of the image batch.");

    /// <summary>The cross-entropy gradients of the batch's mini-batches, for ZiCo (needs <see cref="Labels"/>).</summary>
    public GradientPass Gradients => _gradients ??= GradientPass.Run(Network, Input, RequiredLabels);

    /// <summary>The cross-entropy gradient of the whole batch, shared by SNIP and grad-norm (needs <see cref="Labels"/>).</summary>
    public BatchGradientPass BatchGradients => _batchGradients ??= BatchGradientPass.Run(Network, Input, RequiredLabels);

    /// <summary>Parameter count and MACs at the batch's input size.</summary>
    public NetworkStatistics Statistics => _statistics ??= NetworkStatistics.Measure(Network, InputSize);

    /// <inheritdoc />
    public void Dispose()
    {
        _clean?.Dispose();
        _network?.Dispose();
        if (ChannelsLast) Input.Dispose();
        _clean = null;
        _network = null;
    }
}
