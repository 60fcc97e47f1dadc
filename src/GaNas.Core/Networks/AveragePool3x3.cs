using System.Numerics;
using GaNas.Export;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace GaNas.Networks;

/// <summary>
/// NAS-Bench-201's <c>avg_pool_3x3</c> pooling: 3x3 window, stride 1, padding 1, padding not counted
/// (<c>count_include_pad = false</c>). On a float32 channels-last batch that needs no gradient (the
/// proxies' forward passes) it runs its own kernel, which keeps each output's channel sums in vector
/// registers; libtorch's channels-last kernel re-reads and re-writes the output for every window element
/// and was the largest cost of a proxy evaluation after the convolutions (docs/performance.md). The kernel adds a window's inputs in libtorch's
/// order (from 0, row by row, left to right) and divides by the same count, so the results are
/// bit-identical (test <c>AveragePool3x3_is_bit_identical_to_libtorch</c>). Anything else (gradients,
/// float64, NCHW) goes to libtorch's <c>avg_pool2d</c>.
/// </summary>
internal sealed class AveragePool3x3 : Module<Tensor, Tensor>, IOnnxExportable
{
    /// <summary>Creates the pooling layer.</summary>
    public AveragePool3x3() : base(nameof(AveragePool3x3)) { }

    /// <summary>Whether the layers of a network that pool (for the proxies' hooks): this layer and libtorch's average pools.</summary>
    public static bool IsPooling(nn.Module module) => module is AveragePool3x3 or TorchSharp.Modules.AvgPool2d or TorchSharp.Modules.AdaptiveAvgPool2d;

    /// <summary>Whether <paramref name="input"/> takes the project's kernel rather than libtorch's.</summary>
    public static bool UsesKernel(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dtype != ScalarType.Float32 || input.device_type != TorchSharp.DeviceType.CPU || input.requires_grad || !MemoryLayout.IsChannelsLast(input)) return false;
        long[] shape = input.shape;
        // The kernel reads the batch as one dense NHWC block.
        return input.stride(0) == shape[1] * shape[2] * shape[3] && input.numel() > 0 && input.numel() * sizeof(float) <= int.MaxValue;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return UsesKernel(input) ? Kernel(input, Math.Max(1, get_num_threads())) : functional.avg_pool2d(input, 3, stride: 1, padding: 1, ceil_mode: false, count_include_pad: false);
    }

    string IOnnxExportable.ToOnnx(OnnxGraph graph, string input) => graph.AveragePool(input, [3], [1], [1], countIncludePad: false, ceilMode: false);

    /// <summary>The kernel on a batch that <see cref="UsesKernel"/> accepts, images split over up to <paramref name="threads"/> threads.</summary>
    internal static Tensor Kernel(Tensor input, int threads)
    {
        if (!UsesKernel(input)) throw new ArgumentException("The pooling kernel needs a dense float32 channels-last CPU batch without gradient.", nameof(input));
        long[] shape = input.shape;
        int batch = (int)shape[0], channels = (int)shape[1], height = (int)shape[2], width = (int)shape[3];
        using Tensor source = input.permute(0, 2, 3, 1);
        using Tensor result = empty([batch, height, width, channels], dtype: ScalarType.Float32);
        unsafe
        {
            fixed (byte* inBytes = source.bytes)
            fixed (byte* outBytes = result.bytes)
            {
                float* src = (float*)inBytes;
                float* dst = (float*)outBytes;
                threads = Math.Clamp(threads, 1, batch);
                if (threads == 1)
                {
                    for (int n = 0; n < batch; n++) PoolImage(src, dst, n, channels, height, width);
                }
                else
                {
                    Parallel.For(0, batch, new ParallelOptions { MaxDegreeOfParallelism = threads }, n => PoolImage(src, dst, n, channels, height, width));
                }
            }
        }
        return result.permute(0, 3, 1, 2);
    }

    /// <summary>
    /// Pools image <paramref name="n"/> of an NHWC batch. Each output pixel's channel sums start at 0 and add the
    /// window's rows top to bottom, each left to right, then are divided by the window size, as libtorch does.
    /// </summary>
    private static unsafe void PoolImage(float* src, float* dst, int n, int channels, int height, int width)
    {
        long image = (long)n * height * width * channels;
        long rowStride = (long)width * channels;
        int vector = Vector<float>.Count;
        for (int oh = 0; oh < height; oh++)
        {
            int ih0 = Math.Max(oh - 1, 0), rows = Math.Min(oh + 2, height) - ih0;
            for (int ow = 0; ow < width; ow++)
            {
                int iw0 = Math.Max(ow - 1, 0), columns = Math.Min(ow + 2, width) - iw0;
                float* window = src + image + ih0 * rowStride + (long)iw0 * channels;
                float* output = dst + image + oh * rowStride + (long)ow * channels;
                float count = rows * columns;
                var divisor = new Vector<float>(count);
                int c = 0;
                for (; c + vector <= channels; c += vector)
                {
                    Vector<float> sum = Vector<float>.Zero;
                    float* row = window + c;
                    for (int r = 0; r < rows; r++, row += rowStride)
                    {
                        for (int k = 0; k < columns; k++) sum += Vector.Load(row + (long)k * channels);
                    }
                    Vector.Store(sum / divisor, output + c);
                }
                for (; c < channels; c++)
                {
                    float sum = 0;
                    float* row = window + c;
                    for (int r = 0; r < rows; r++, row += rowStride)
                    {
                        for (int k = 0; k < columns; k++) sum += row[(long)k * channels];
                    }
                    output[c] = sum / count;
                }
            }
        }
    }
}
