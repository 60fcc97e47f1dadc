using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GaNas.Networks;

/// <summary>
/// Folds an inference network's batch norms into the convolutions before them: a BatchNorm2d in evaluation mode is
/// the per-channel affine map <c>y = (x - mean) * s + beta</c> with <c>s = gamma / sqrt(var + eps)</c>, so the pair
/// Conv2d then BatchNorm2d equals one Conv2d with weights <c>w * s</c> (per output channel) and bias
/// <c>beta - mean * s</c>. The network then skips a full pass over every activation per batch norm. Results equal the
/// unfolded network up to float rounding. Batch norms without a convolution right before them (the last activation's)
/// stay as they are.
/// </summary>
internal static class BatchNormFolding
{
    /// <summary>
    /// Writes the folded weights and bias into <paramref name="conv"/> when <paramref name="norm"/> is a batch norm, and
    /// says whether it was one (then the module that owns both must no longer call <paramref name="norm"/>).
    /// </summary>
    public static bool Fold(Conv2d conv, Module<Tensor, Tensor> norm)
    {
        ArgumentNullException.ThrowIfNull(conv);
        if (norm is not TorchSharp.Modules.BatchNorm bn) return false;
        if (bn.running_mean is null || bn.running_var is null || bn.weight is null || bn.bias is null)
            throw new InvalidOperationException("Only affine batch norms with running statistics can be folded.");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor scale = bn.weight.div(bn.running_var.add(bn.eps).sqrt());
        Tensor weight = conv.weight!.mul(scale.reshape(-1, 1, 1, 1));
        Tensor bias = bn.bias.sub(bn.running_mean.mul(scale));
        if (conv.bias is not null) bias = bias.add(conv.bias.mul(scale));
        conv.weight = new Parameter(weight.contiguous().MoveToOuterDisposeScope(), requires_grad: false);
        conv.bias = new Parameter(bias.contiguous().MoveToOuterDisposeScope(), requires_grad: false);
        return true;
    }

    /// <summary>Folds every foldable pair of <paramref name="network"/> (whose weights must not change afterwards).</summary>
    public static void FoldAll(Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        // modules() lists the descendants without the network itself; each module folds once however often it is listed.
        foreach (var module in network.modules().Prepend(network))
        {
            if (module is IFoldsBatchNorm foldable) foldable.FoldBatchNorm();
        }
    }
}

/// <summary>A module holding Conv2d-BatchNorm2d pairs that it can fold (<see cref="BatchNormFolding"/>).</summary>
internal interface IFoldsBatchNorm
{
    /// <summary>Folds the module's own pairs; its forward then skips the folded batch norms.</summary>
    void FoldBatchNorm();
}
