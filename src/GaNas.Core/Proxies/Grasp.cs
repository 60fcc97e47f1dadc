using GaNas.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// GraSP (Wang et al., ICLR 2020, as a zero-cost proxy in Abdelfattah et al.): -sum theta * (H g), where g is
/// the cross-entropy gradient on the labelled batch and H the Hessian, over the weights of convolution and
/// linear layers. The gradient pass keeps its graph (create_graph), so g and H g (its double backward) come from one
/// forward pass and two backward passes of the batch.
/// </summary>
internal sealed class Grasp : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "grasp";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Tensor labels = context.RequiredLabels;
        CellNetwork network = context.Network;
        using var scope = NewDisposeScope();
        var weights = LayerWeights.In(network);
        network.train();
        // g(theta), differentiable; its value held as constants is g.
        Tensor loss = nn.functional.cross_entropy(network.call(context.Input), labels);
        IList<Tensor> differentiable = autograd.grad([loss], weights, retain_graph: true, create_graph: true, allow_unused: true);
        var constants = differentiable.Select((t, i) => t is null || t.IsInvalid ? zeros_like(weights[i]) : t.detach()).ToList();
        // H g = d(g(theta) . g)/d theta.
        Tensor? dot = null;
        for (int l = 0; l < weights.Count; l++)
        {
            if (differentiable[l] is null || differentiable[l].IsInvalid) continue;
            Tensor term = differentiable[l].mul(constants[l]).sum();
            dot = dot is null ? term : dot.add(term, GaNas.Runtime.Scalars.One);
        }
        if (dot is null || !dot.requires_grad) return ProxyValue.Failed("the loss does not depend on any weight");
        IList<Tensor> hg = autograd.grad([dot], weights, allow_unused: true);
        double score = 0;
        using (no_grad())
        {
            for (int l = 0; l < weights.Count; l++)
            {
                if (hg[l] is null || hg[l].IsInvalid) continue;
                score -= weights[l].detach().to(ScalarType.Float64).mul(hg[l].to(ScalarType.Float64)).sum().item<double>();
            }
        }
        network.zero_grad();
        return ProxyValue.Of(score, "GraSP");
    }
}
