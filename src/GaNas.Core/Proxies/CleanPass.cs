using GaNas.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>What the shared forward pass must record.</summary>
[Flags]
public enum CleanPassNeeds
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Binary ReLU activation codes, accumulated into the NASWOT Hamming kernel.</summary>
    ReluCodes = 1,
    /// <summary>The input feature map of every pooling layer (kept for noise immunity).</summary>
    PoolInputs = 2,
    /// <summary>The eigenvalue entropy of every body block's output features (AZ-NAS expressivity).</summary>
    BlockEntropies = 4,
    /// <summary>The smallest eigenvalue of every body block's channel correlation matrix (MeCo).</summary>
    BlockCorrelations = 8,
}

/// <summary>
/// One forward pass of the untrained network (train mode, batch statistics, no gradients) over
/// the clean batch, shared by the proxies that need it: NASWOT reads the ReLU codes, noise
/// immunity reads the pooling inputs and the layer counts. Hooks run on the network's modules.
/// </summary>
public sealed class CleanPass : IDisposable
{
    private readonly List<Tensor> _poolInputs = [];

    private CleanPass(int batch) => Kernel = new HammingKernel(batch) { Parallelism = Math.Max(1, torch.get_num_threads()) };

    /// <summary>The NASWOT kernel (empty unless <see cref="CleanPassNeeds.ReluCodes"/> was requested).</summary>
    public HammingKernel Kernel { get; }

    /// <summary>Input feature maps of the pooling layers, in forward order.</summary>
    public IReadOnlyList<Tensor> PoolInputs => _poolInputs;

    /// <summary>Eigenvalue entropy of the feature covariance at the output of each cell and reduction block, in order.</summary>
    public IReadOnlyList<double> BlockEntropies => _blockEntropies;

    private readonly List<double> _blockEntropies = [];

    /// <summary>Smallest eigenvalue of the channel correlation matrix at the output of each cell and reduction block, in order.</summary>
    public IReadOnlyList<double> BlockMinCorrelations => _blockMinCorrelations;

    private readonly List<double> _blockMinCorrelations = [];

    /// <summary>Number of convolution layers the forward used.</summary>
    public int ConvolutionLayers { get; private set; }

    /// <summary>Number of pooling layers the forward used (cell pools, reduction shortcuts, global pool).</summary>
    public int PoolingLayers { get; private set; }

    /// <summary>Sum of the input channels of every pooling and convolution layer used.</summary>
    public long InputChannels { get; private set; }

    /// <summary>Runs the pass.</summary>
    public static CleanPass Run(CellNetwork network, Tensor images, CleanPassNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        var pass = new CleanPass((int)images.shape[0]);
        var removers = new List<Action>();
        try
        {
            foreach (var (_, module) in network.named_modules())
            {
                switch (module)
                {
                    case ReLU relu when needs.HasFlag(CleanPassNeeds.ReluCodes):
                        removers.Add(relu.register_forward_hook((_, _, output) => { pass.AddCodes(output); return output; }).remove);
                        break;
                    case nn.Module<Tensor, Tensor> pool when AveragePool3x3.IsPooling(pool):
                        removers.Add(pool.register_forward_hook((_, input, output) => { pass.AddPool(input, needs.HasFlag(CleanPassNeeds.PoolInputs)); return output; }).remove);
                        break;
                    case Conv2d conv:
                        removers.Add(conv.register_forward_hook((_, input, output) => { pass.ConvolutionLayers++; pass.InputChannels += input.shape[1]; return output; }).remove);
                        break;
                }
            }
            if (needs.HasFlag(CleanPassNeeds.BlockEntropies) || needs.HasFlag(CleanPassNeeds.BlockCorrelations))
            {
                foreach (var block in network.BodyModules)
                {
                    removers.Add(block.register_forward_hook((_, _, output) => { pass.AddBlockSpectrum(output, needs); return output; }).remove);
                }
            }
            network.train();
            using var noGrad = inference_mode(true);
            using var scope = NewDisposeScope();
            network.call(images);
        }
        catch
        {
            pass.Dispose();
            throw;
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return pass;
    }

    private void AddCodes(Tensor output)
    {
        using var scope = NewDisposeScope();
        // A channels-last map is read in its storage order (NHWC view, no copy): the Hamming distance is the
        // same under any unit order that every image shares.
        Tensor units = MemoryLayout.IsChannelsLast(output) ? output.permute(0, 2, 3, 1) : output;
        int perImage = checked((int)(output.numel() / Kernel.Batch));
        if (units.dtype == ScalarType.Float32 && units.is_contiguous())
        {
            // Active = value > 0, packed from the activations themselves (no byte tensor).
            Kernel.AddActive(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(units.bytes), perImage);
            return;
        }
        Tensor codes = units.gt(GaNas.Runtime.Scalars.Zero).contiguous();
        Kernel.Add(codes.bytes, perImage);
    }

    private void AddBlockSpectrum(Tensor output, CleanPassNeeds needs)
    {
        using Tensor? covariance = FeatureEntropy.ChannelCovariance(output);
        if (needs.HasFlag(CleanPassNeeds.BlockEntropies)) _blockEntropies.Add(covariance is null ? 0 : FeatureEntropy.OfCovariance(covariance));
        if (needs.HasFlag(CleanPassNeeds.BlockCorrelations)) _blockMinCorrelations.Add(covariance is null ? 0 : Meco.MinCorrelationEigenvalue(covariance));
    }

    private void AddPool(Tensor input, bool keep)
    {
        PoolingLayers++;
        InputChannels += input.shape[1];
        if (keep) _poolInputs.Add(input.detach().clone().DetachFromDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _poolInputs) t.Dispose();
        _poolInputs.Clear();
    }
}
