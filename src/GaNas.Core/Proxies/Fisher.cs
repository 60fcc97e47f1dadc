using GaNas.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// Fisher (Theis et al. 2018, as a zero-cost proxy in Abdelfattah et al., ICLR 2021): for the output z of every
/// convolution and linear layer, and the cross-entropy gradient g = dL/dz on the labelled batch (train mode), the sum
/// over channels k of ½ · mean over images n of (Σ over positions of z·g)², summed over the layers. It estimates how much
/// the loss would rise if each channel were removed. One forward and one backward pass.
/// </summary>
internal sealed class Fisher : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "fisher";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Tensor labels = context.RequiredLabels;
        CellNetwork network = context.Network;
        using var scope = NewDisposeScope();
        var outputs = new List<Tensor>();
        var removers = new List<Action>();
        try
        {
            foreach (var module in network.modules())
            {
                if (module is not (Conv2d or Linear)) continue;
                var layer = (nn.Module<Tensor, Tensor>)module;
                // The network's forward disposes the tensors it is handed: the hook keeps the layer's output (retaining
                // its gradient) and hands on an alias of it, through which the gradient flows back.
                removers.Add(layer.register_forward_hook((_, _, output) =>
                {
                    Tensor kept = output.DetachFromDisposeScope();
                    kept.retain_grad();
                    outputs.Add(kept);
                    return kept.alias();
                }).remove);
            }
            network.train();
            network.zero_grad();
            nn.functional.cross_entropy(network.call(context.Input), labels).backward();
        }
        catch
        {
            foreach (Tensor kept in outputs) kept.Dispose();
            throw;
        }
        finally
        {
            foreach (Action remove in removers) remove();
        }
        try
        {
            return Sum(outputs, network);
        }
        finally
        {
            foreach (Tensor kept in outputs) kept.Dispose();
        }
    }

    private static ProxyValue Sum(List<Tensor> outputs, CellNetwork network)
    {
        double fisher = 0;
        using (no_grad())
        {
            foreach (Tensor z in outputs)
            {
                // A layer's float64 copies go as soon as its term is summed, not at the end of the evaluation.
                using var layer = NewDisposeScope();
                if (z.grad is not { IsInvalid: false } g) continue;
                Tensor product = z.detach().to(ScalarType.Float64).mul(g.to(ScalarType.Float64));
                Tensor perChannel = product.dim() > 2 ? product.sum([.. Enumerable.Range(2, (int)product.dim() - 2).Select(d => (long)d)]) : product;
                fisher += perChannel.square().mean([0]).mul(0.5).sum().item<double>();
            }
        }
        network.zero_grad();
        return outputs.Count == 0 ? ProxyValue.Failed("the network has no convolution or linear layer") : ProxyValue.Of(fisher, "Fisher");
    }
}
