using GaNas.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// NTK (TE-NAS, Chen, Gong and Wang, ICLR 2021): the condition number of the empirical neural tangent kernel of the
/// untrained network (train mode) on the batch. Row i of the Jacobian J is the gradient of the sum of image i's logits
/// with respect to every parameter named <c>weight</c>, as TE-NAS takes them (convolutions, the classifier and the batch
/// norms' scales; biases left out); the kernel is J Jᵀ (B x B, accumulated parameter by parameter in float64) and κ its
/// largest eigenvalue over its smallest. TE-NAS prefers well-conditioned kernels, so the
/// value is −κ: larger is better. It costs one backward pass of the batch per image, and B x (weights) floats.
/// </summary>
internal sealed class NtkConditionNumber : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "ntk";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        CellNetwork network = context.Network;
        using var scope = NewDisposeScope();
        var weights = Weights(network);
        network.train();
        Tensor logits = network.call(context.Input);
        long n = logits.shape[0];
        // rows[l][i]: image i's gradient of layer l's weight, flattened (float32, as computed).
        var rows = weights.Select(_ => new Tensor[n]).ToArray();
        for (long i = 0; i < n; i++)
        {
            IList<Tensor> g = autograd.grad([logits[i].sum()], weights, retain_graph: i < n - 1, allow_unused: true);
            for (int l = 0; l < weights.Count; l++)
            {
                rows[l][i] = (g[l] is { IsInvalid: false } t ? t.detach() : zeros_like(weights[l])).reshape(-1);
            }
        }
        Tensor kernel = zeros([n, n], ScalarType.Float64);
        for (int l = 0; l < weights.Count; l++)
        {
            using var layer = NewDisposeScope(); // one layer's float64 block at a time
            Tensor jl = stack(rows[l]).to(ScalarType.Float64);
            kernel.add_(jl.matmul(jl.t()));
        }
        Tensor eigenvalues = linalg.eigvalsh(kernel); // ascending
        double smallest = eigenvalues[0].item<double>(), largest = eigenvalues[n - 1].item<double>();
        if (!(largest > 0) || !double.IsFinite(largest)) return ProxyValue.Failed("the tangent kernel is zero or not finite: the logits do not depend on the weights");
        if (!(smallest > 0)) return ProxyValue.Failed($"the tangent kernel is singular (smallest eigenvalue {smallest:G3}, largest {largest:G3})");
        return ProxyValue.Of(-largest / smallest, "NTK condition number");
    }

    /// <summary>The parameters TE-NAS differentiates: those named <c>weight</c>, in module order.</summary>
    internal static List<Tensor> Weights(CellNetwork network) =>
        network.named_parameters().Where(p => p.name == "weight" || p.name.EndsWith(".weight", StringComparison.Ordinal)).Select(p => (Tensor)p.parameter).ToList();
}
