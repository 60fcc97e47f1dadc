using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Networks;

/// <summary>
/// Seeded re-initialisation with PyTorch's default distributions, drawn from a private generator
/// so that construction is deterministic and independent of torch's global random state:
/// conv and linear weights U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (kaiming-uniform with a = sqrt 5),
/// linear biases likewise, batch-norm weight 1 and bias 0.
/// </summary>
internal static class NetworkInitializer
{
    /// <summary>Initialises every parameter of <paramref name="module"/> from <paramref name="seed"/>.</summary>
    public static void Initialize(nn.Module module, int seed)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var generator = new Generator((ulong)(uint)seed);
        using var noGrad = no_grad();
        foreach (var (_, m) in module.named_modules())
        {
            switch (m)
            {
                case Conv2d conv:
                    Uniform(conv.weight!, generator);
                    break;
                case Linear linear:
                    double bound = Uniform(linear.weight!, generator);
                    linear.bias?.uniform_(-bound, bound, generator);
                    break;
                case TorchSharp.Modules.BatchNorm bn:
                    if (bn.weight is not null) nn.init.ones_(bn.weight);
                    if (bn.bias is not null) nn.init.zeros_(bn.bias);
                    break;
            }
        }
    }

    private static double Uniform(Tensor weight, Generator generator)
    {
        long fanIn = weight.numel() / weight.shape[0];
        double bound = 1.0 / Math.Sqrt(fanIn);
        // Tensor.uniform_ honours the generator (nn.init.uniform_ in TorchSharp 0.107 does not).
        weight.uniform_(-bound, bound, generator);
        return bound;
    }
}
