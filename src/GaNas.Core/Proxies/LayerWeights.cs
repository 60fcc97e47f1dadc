using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GaNas.Proxies;

/// <summary>
/// The weights the gradient-based proxies (SynFlow, ZiCo, grad-norm, SNIP, GraSP) score: those of every Conv2d and
/// Linear layer, in module order; batch-norm affine parameters and biases are left out, as in the proxies' papers.
/// </summary>
internal static class LayerWeights
{
    /// <summary>The weight of a Conv2d or Linear layer; null for any other module.</summary>
    public static Tensor? Of(Module module) => module switch { Conv2d c => c.weight, Linear l => l.weight, _ => null };

    /// <summary>Every Conv2d and Linear weight of <paramref name="network"/>, in module order.</summary>
    public static List<Tensor> In(Module network) => network.modules().Select(Of).OfType<Tensor>().ToList();
}
