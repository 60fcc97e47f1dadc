using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Networks;

/// <summary>
/// Channels-last (NHWC) storage for image batches. libtorch's oneDNN convolutions keep an NHWC input's
/// layout through convolution, batch norm, ReLU and pooling, which makes the proxies' forward passes faster
/// (<c>ganas proxies --layout nchw</c> against the default; docs/performance.md). TorchSharp 0.107 has no memory-format argument, so the layout is made with a
/// permute-copy-permute: the tensor keeps its B x C x H x W shape and only its strides change.
/// </summary>
public static class MemoryLayout
{
    /// <summary>A copy of a 4-d tensor stored channels-last (same shape and values).</summary>
    public static Tensor ToChannelsLast(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4) throw new ArgumentException($"Channels-last needs a B x C x H x W tensor, got [{string.Join(", ", images.shape)}].", nameof(images));
        using var nhwc = images.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// Stores every convolution's weight channels-last (a new parameter of the same values), so that the convolutions
    /// compute channels-last even where the activation's layout is ambiguous: a one-channel image is stored alike in
    /// both layouts, and libtorch then follows the weight. On this project's AVX-512 machines the NCHW kernels with few
    /// channels compute wrong results (ConvolutionGradientTests), so every network that runs on images of one channel
    /// needs this. Returns the number of weights it re-stored.
    /// </summary>
    public static int StoreWeightsChannelsLast(nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var noGrad = no_grad();
        int stored = 0;
        foreach (var module in network.modules())
        {
            if (module is not Conv2d conv || conv.weight is not { } weight || IsChannelsLast(weight)) continue;
            long[] shape = weight.shape;
            // A tensor of its own (not a view) with channels-last strides, so that it can be a parameter.
            Tensor copy = empty_strided(shape, [shape[1] * shape[2] * shape[3], 1, shape[3] * shape[1], shape[1]], dtype: weight.dtype, device: weight.device);
            copy.copy_(weight);
            conv.weight = new Parameter(copy, requires_grad: weight.requires_grad);
            stored++;
        }
        return stored;
    }

    /// <summary>Whether a 4-d tensor is stored channels-last (channel stride 1).</summary>
    public static bool IsChannelsLast(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4) return false;
        long[] stride = images.stride();
        long[] shape = images.shape;
        return stride[1] == 1 && stride[3] == shape[1] && stride[2] == shape[1] * shape[3];
    }
}
