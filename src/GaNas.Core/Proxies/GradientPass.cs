using GaNas.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// Cross-entropy gradients of the untrained network (train mode) on the labelled batch split into <see cref="Splits"/>
/// equal mini-batches, one pass each, for ZiCo (which compares the mini-batches' gradients). Sums run over the weights
/// of convolution and linear layers. SNIP and grad-norm take one pass over the whole batch instead (<see cref="BatchGradientPass"/>).
/// </summary>
public sealed class GradientPass
{
    /// <summary>Mini-batches the batch is split into (ZiCo needs at least two).</summary>
    public const int Splits = 2;

    private GradientPass(double zico) => Zico = zico;

    /// <summary>ZiCo: sum over layers of log(sum over weights of mean|g| / std(g) across mini-batches), weights with std 0 skipped.</summary>
    public double Zico { get; }

    /// <summary>Runs the pass; <paramref name="labels"/> are class indices below the network's class count.</summary>
    public static GradientPass Run(CellNetwork network, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        long n = images.shape[0] / Splits;
        if (n < 1) throw new ArgumentException($"Gradient proxies need at least {Splits} images.", nameof(images));
        var weights = LayerWeights.In(network);
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
            double zico = 0;
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
                }
            }
            return new GradientPass(zico);
        }
        finally
        {
            foreach (var list in perSplit) foreach (Tensor t in list) t.Dispose();
        }
    }
}
