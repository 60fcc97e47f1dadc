using GaNas.Networks;
using static TorchSharp.torch;

namespace GaNas.Proxies;

/// <summary>
/// The cross-entropy gradient of the untrained network (train mode) on the whole labelled batch, one forward and one
/// backward pass, shared by SNIP and grad-norm. The batch is not split: with batch norm in train mode the gradient of
/// one pass over the batch is not the mean of its halves' gradients, and the zero-cost proxies (Abdelfattah et al.)
/// take one pass. Sums run over the weights of convolution and linear layers (<see cref="LayerWeights"/>).
/// </summary>
public sealed class BatchGradientPass
{
    private BatchGradientPass(double gradNorm, double snip)
    {
        GradNorm = gradNorm;
        Snip = snip;
    }

    /// <summary>grad-norm: the sum over layers of each layer's gradient's Euclidean norm, as the zero-cost proxies sum their per-layer values.</summary>
    public double GradNorm { get; }

    /// <summary>SNIP: the sum over weights of |theta * g|.</summary>
    public double Snip { get; }

    /// <summary>Runs the pass; <paramref name="labels"/> are class indices below the network's class count.</summary>
    public static BatchGradientPass Run(CellNetwork network, Tensor images, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        if (images.shape[0] != labels.shape[0]) throw new ArgumentException($"{images.shape[0]} images but {labels.shape[0]} labels.", nameof(labels));
        var weights = LayerWeights.In(network);
        using var scope = NewDisposeScope();
        try
        {
            network.train();
            network.zero_grad();
            nn.functional.cross_entropy(network.call(images), labels).backward();
            double gradNorm = 0, snip = 0;
            using (no_grad())
            {
                foreach (Tensor w in weights)
                {
                    if (w.grad is not { } grad) continue; // a weight the loss does not reach contributes 0 to both sums
                    Tensor g = grad.to(ScalarType.Float64);
                    gradNorm += g.norm().item<double>();
                    snip += w.detach().to(ScalarType.Float64).mul(g).abs().sum().item<double>();
                }
            }
            return new BatchGradientPass(gradNorm, snip);
        }
        finally
        {
            network.zero_grad();
        }
    }
}
