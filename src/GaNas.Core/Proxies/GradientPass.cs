using GaNas.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// Cross-entropy gradients of the untrained network (train mode) on the labelled batch, split into
/// <see cref="Splits"/> equal mini-batches, shared by the gradient-based proxies. Sums run over the
/// weights of convolution and linear layers; the full-batch gradient is the mean of the splits'.
/// </summary>
public sealed class GradientPass
{
    /// <summary>Mini-batches the batch is split into (ZiCo needs at least two).</summary>
    public const int Splits = 2;

    private GradientPass(double zico, double gradNorm, double snip)
    {
        Zico = zico;
        GradNorm = gradNorm;
        Snip = snip;
    }

    /// <summary>ZiCo: sum over layers of log(sum over weights of mean|g| / std(g) across mini-batches), weights with std 0 skipped.</summary>
    public double Zico { get; }

    /// <summary>Euclidean norm of the full-batch gradient.</summary>
    public double GradNorm { get; }

    /// <summary>SNIP: sum of |theta * g| with the full-batch gradient.</summary>
    public double Snip { get; }

    /// <summary>Runs the pass; <paramref name="labels"/> are class indices below the network's class count.</summary>
    public static GradientPass Run(CellNetwork network, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        long n = images.shape[0] / Splits;
        if (n < 1) throw new ArgumentException($"Gradient proxies need at least {Splits} images.", nameof(images));
        var weights = network.modules().Select(m => m switch { Conv2d c => c.weight, Linear l => l.weight, _ => null }).OfType<Tensor>().ToList();
        var perSplit = weights.Select(_ => new List<Tensor>()).ToList();
        try
        {
            network.train();
            for (int s = 0; s < Splits; s++)
            {
                network.zero_grad();
                using var scope = NewDisposeScope();
                Tensor logits = network.call(images.narrow(0, s * n, n));
                nn.functional.cross_entropy(logits, labels.narrow(0, s * n, n)).backward();
                for (int l = 0; l < weights.Count; l++)
                {
                    Tensor g = weights[l].grad is { } grad ? grad.detach().clone() : zeros_like(weights[l]);
                    perSplit[l].Add(g.to(ScalarType.Float64).DetachFromDisposeScope());
                }
            }
            network.zero_grad();
            double zico = 0, squared = 0, snip = 0;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                for (int l = 0; l < weights.Count; l++)
                {
                    Tensor g = stack(perSplit[l]);
                    Tensor std = g.std(0, unbiased: false);
                    Tensor meanAbs = g.abs().mean([0]);
                    Tensor mask = std.gt(GaNas.Runtime.Scalars.Zero);
                    double ratio = meanAbs.masked_select(mask).div(std.masked_select(mask)).sum().item<double>();
                    if (ratio > 0) zico += Math.Log(ratio);
                    Tensor full = g.mean([0]);
                    squared += full.square().sum().item<double>();
                    snip += weights[l].detach().to(ScalarType.Float64).mul(full).abs().sum().item<double>();
                }
            }
            return new GradientPass(zico, Math.Sqrt(squared), snip);
        }
        finally
        {
            foreach (var list in perSplit) foreach (Tensor t in list) t.Dispose();
        }
    }
}

/// <summary>ZiCo (Li et al., ICLR 2023): high mean and low variance of gradients across batches, layer by layer.</summary>
public sealed class Zico : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "zico";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.Gradients.Zico, "ZiCo");
    }
}

/// <summary>Gradient norm at initialisation (Abdelfattah et al.).</summary>
public sealed class GradNorm : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "grad_norm";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.Gradients.GradNorm, "grad_norm");
    }
}

/// <summary>SNIP (Lee et al.): connection sensitivity sum |theta * dL/dtheta| at initialisation.</summary>
public sealed class Snip : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "snip";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ProxyValue.Of(context.Gradients.Snip, "SNIP");
    }
}

/// <summary>
/// GraSP (Wang et al., ICLR 2020, as a zero-cost proxy in Abdelfattah et al.): -sum theta * (H g), where g is
/// the cross-entropy gradient on the labelled batch and H the Hessian, over the weights of convolution and
/// linear layers. H g comes from a second, differentiable gradient pass (double backward), so this proxy costs
/// about two forward and three backward passes of the batch.
/// </summary>
public sealed class Grasp : IZeroCostProxy
{
    /// <inheritdoc />
    public string Name => "grasp";

    /// <inheritdoc />
    public ProxyValue Compute(ProxyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        Tensor labels = context.Labels ?? throw new InvalidOperationException("Gradient proxies (zico, grad_norm, snip, grasp) need the labels of the image batch.");
        CellNetwork network = context.Network;
        using var scope = NewDisposeScope();
        var weights = network.modules().Select(m => m switch { Conv2d c => c.weight, Linear l => l.weight, _ => null }).OfType<Tensor>().ToList();
        network.train();
        // g: the plain gradient, held as constants.
        Tensor loss = nn.functional.cross_entropy(network.call(context.Input), labels);
        IList<Tensor> g = autograd.grad([loss], weights, allow_unused: true);
        var constants = g.Select((t, i) => t is null || t.IsInvalid ? zeros_like(weights[i]) : t.detach()).ToList();
        // H g = d(g(theta) . g)/d theta, with g(theta) differentiable.
        Tensor again = nn.functional.cross_entropy(network.call(context.Input), labels);
        IList<Tensor> differentiable = autograd.grad([again], weights, retain_graph: true, create_graph: true, allow_unused: true);
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
