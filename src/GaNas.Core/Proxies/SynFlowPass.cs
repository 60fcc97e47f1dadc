using GaNas.Networks;
using GaNas.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// The backward pass shared by SynFlow and LogSynFlow (Tanaka et al.; Cavagnero et al., FreeREA):
/// the network in float64 with batch norm disabled, every parameter replaced by its absolute value,
/// one all-ones input image, R = sum of the outputs, gradients dR/dtheta. float64 is required:
/// SynFlow reaches ~1e57. Sums run over the weights of convolution and linear layers.
/// </summary>
public sealed class SynFlowPass
{
    private SynFlowPass(double synFlow, double logSynFlow)
    {
        SynFlowSum = synFlow;
        LogSynFlowSum = logSynFlow;
    }

    /// <summary>sum |theta * dR/dtheta|.</summary>
    public double SynFlowSum { get; }

    /// <summary>sum |theta * log(1 + dR/dtheta)|.</summary>
    public double LogSynFlowSum { get; }

    /// <summary>Runs the pass on a freshly built copy of the architecture (same seed, same weights).</summary>
    public static SynFlowPass Run(ISearchSpace space, Genome genome, NetworkOptions options, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(options);
        using CellNetwork network = space.BuildNetwork(genome, options.With(useBatchNorm: false));
        network.to(ScalarType.Float64);
        return Run(network, 1, network.Options.InputChannels, inputSize, inputSize);
    }

    /// <summary>
    /// Runs the pass on a float64 network (whose weights it overwrites with their absolute values)
    /// with an all-ones input of shape <paramref name="inputShape"/>.
    /// </summary>
    public static SynFlowPass Run(nn.Module<Tensor, Tensor> network, params long[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(inputShape);
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var p in network.parameters()) p.abs_();
        }
        network.zero_grad();
        Tensor output = network.call(ones(inputShape, dtype: ScalarType.Float64));
        output.sum().backward();
        double synflow = 0, logSynflow = 0;
        using (no_grad())
        {
            foreach (var module in network.modules())
            {
                Tensor? weight = LayerWeights.Of(module);
                if (weight?.grad is not { } grad) continue;
                synflow += weight.mul(grad).abs().sum().item<double>();
                logSynflow += weight.mul(grad.log1p()).abs().sum().item<double>();
            }
        }
        return new SynFlowPass(synflow, logSynflow);
    }
}
