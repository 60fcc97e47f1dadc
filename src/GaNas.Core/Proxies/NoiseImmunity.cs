using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace GaNas.Proxies;

/// <summary>
/// Noise immunity NI (Wu, Lin, Tsai): forward the clean batch x and a noisy copy x + z,
/// z ~ N(0, sigma^2), through the same untrained network. At every pooling layer the forward uses
/// (cell average pools, reduction shortcut pools, the global pool), e_l = mean squared difference
/// of the layer's input feature maps. eta = log(1e-10 + sum_l e_l); gamma = total input channels
/// of the pooling and convolution layers; rho = #conv / #pool; NI = log(gamma * rho / eta) when
/// that argument is positive, else 0. Higher is better.
/// The paper only says "difference of the squares of feature maps at all pooling layers, smaller is
/// better"; this is the formulation its authors' lab uses. The clean forward is the one NASWOT uses.
/// </summary>
internal sealed class NoiseImmunity(double sigma = 1.0) : IZeroCostProxy
{
    /// <summary>Standard deviation of the Gaussian input noise.</summary>
    public double Sigma { get; } = sigma > 0 ? sigma : throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Sigma must be positive.");

    /// <inheritdoc />
    public string Name => "ni";

    /// <inheritdoc />
    public CleanPassNeeds Needs => CleanPassNeeds.PoolInputs;

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CleanPass clean = context.Clean;
        if (clean.PoolingLayers == 0) return ProxyValue.Failed("the network has no pooling layer");
        IReadOnlyList<Tensor> cleanInputs = clean.PoolInputs;
        double errorSum = 0;
        int layer = 0;
        var removers = new List<Action>();
        try
        {
            foreach (var (_, module) in context.Network.named_modules())
            {
                if (module is TorchSharp.torch.nn.Module<Tensor, Tensor> pool && GaNas.Networks.AveragePool3x3.IsPooling(pool))
                {
                    removers.Add(pool.register_forward_hook((_, input, output) =>
                    {
                        using var diff = input.sub(cleanInputs[layer++]);
                        using var square = diff.square();
                        using var mean = square.mean();
                        errorSum += mean.item<float>();
                        return output;
                    }).remove);
                }
            }
            using var generator = new Generator((ulong)(uint)context.Seed + 0x5EEDUL);
            using var scope = NewDisposeScope();
            using var noGrad = inference_mode(true);
            using TorchSharp.Scalar sigma = Sigma.ToScalar();
            Tensor noise = randn(context.Images.shape, dtype: context.Images.dtype, generator: generator).mul_(sigma);
            context.Network.train();
            context.Network.call(context.InLayout(context.Images.add(noise, GaNas.Runtime.Scalars.One)));
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        if (layer != cleanInputs.Count)
            throw new InvalidOperationException($"The noisy forward passed {layer} pooling layers, the clean one {cleanInputs.Count}.");
        return Score(errorSum, clean.InputChannels, clean.ConvolutionLayers, clean.PoolingLayers);
    }

    /// <summary>NI from the summed pooling-input errors and the layer counts (see the class summary).</summary>
    public static ProxyValue Score(double errorSum, long inputChannels, int convolutionLayers, int poolingLayers)
    {
        if (poolingLayers == 0) return ProxyValue.Failed("the network has no pooling layer");
        if (!double.IsFinite(errorSum)) return ProxyValue.Failed($"the pooling-input error is {errorSum}");
        double eta = Math.Log(1e-10 + errorSum);
        double rho = (double)convolutionLayers / poolingLayers;
        double argument = inputChannels * rho / eta;
        return argument > 0 && double.IsFinite(argument) ? ProxyValue.Of(Math.Log(argument), "NI") : new ProxyValue(0, null);
    }
}
