using GaNas.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Tests.Training;

/// <summary>
/// The convolution gradients the trainer relies on, checked against an independent float64 reference (im2col and matrix
/// products). On this project's AVX-512 machines libtorch 2.10's NCHW float32 3x3 convolutions with fewer than 16
/// channels fail this check (relative errors of 0.3-1.0, NaN at times; docs/architecture.md), which is why training
/// runs channels-last; these are the channels-last shapes of the networks it trains.
/// </summary>
public class ConvolutionGradientTests
{
    public ConvolutionGradientTests() => TestEnvironment.InitTorch();

    [Theory]
    [InlineData(3, 1, 4, 4, 1)]
    [InlineData(3, 3, 8, 7, 1)]
    [InlineData(3, 8, 8, 28, 1)]
    [InlineData(3, 4, 4, 32, 1)]
    [InlineData(3, 15, 15, 7, 1)]
    [InlineData(3, 16, 16, 8, 1)]
    [InlineData(1, 8, 8, 14, 1)]
    [InlineData(3, 8, 16, 14, 2)]
    [InlineData(3, 4, 8, 8, 2)]
    public void Channels_last_convolution_outputs_and_gradients_match_a_float64_reference(int kernel, int inChannels, int outChannels, int size, int stride)
    {
        var generator = new Generator(3);
        for (int repeat = 0; repeat < 3; repeat++)
        {
            using var scope = NewDisposeScope();
            const long batch = 8;
            int padding = kernel / 2;
            Tensor x = MemoryLayout.ToChannelsLast(rand([batch, inChannels, size, size], generator: generator)).requires_grad_(true);
            using Scalar fanIn = (double)(inChannels * kernel * kernel);
            var w = new TorchSharp.Modules.Parameter(MemoryLayout.ToChannelsLast(randn([outChannels, inChannels, kernel, kernel], generator: generator).div(fanIn)));
            Tensor y = nn.functional.conv2d(x, w, null, [stride, stride], [padding, padding]);
            Tensor gradOut = randn(y.shape, generator: generator);
            y.backward([gradOut]);

            long outSize = y.shape[2];
            Tensor columns = nn.functional.unfold(x.detach().to_type(ScalarType.Float64).contiguous(), kernel, 1, padding, stride);   // N x (Cin k k) x L
            Tensor weights = w.detach().to_type(ScalarType.Float64).contiguous().view(outChannels, -1);                                // Cout x (Cin k k)
            Tensor g = gradOut.to_type(ScalarType.Float64).contiguous().view(batch, outChannels, outSize * outSize);                  // N x Cout x L
            Tensor inputGrad = nn.functional.fold(weights.t().matmul(g), (size, size), (kernel, kernel), padding: (padding, padding), stride: (stride, stride));
            Tensor weightGrad = g.matmul(columns.transpose(1, 2)).sum([0], false).view(outChannels, inChannels, kernel, kernel);

            Tensor output = weights.matmul(columns).view(batch, outChannels, outSize, outSize);
            RelativeError(y.detach(), output).Should().BeLessThan(1e-4, "output, repeat {0}", repeat);
            RelativeError(w.grad!, weightGrad).Should().BeLessThan(1e-4, "weight gradient, repeat {0}", repeat);
            // A one-channel input is NCHW and NHWC at once, so libtorch takes its NCHW kernels, whose input gradient is
            // wrong on these machines; the trainer never asks for it (images need no gradient), only for the weight's.
            if (inChannels > 1) RelativeError(x.grad!, inputGrad).Should().BeLessThan(1e-4, "input gradient, repeat {0}", repeat);
        }
    }

    [Fact]
    public void OneDNN_is_capped_at_AVX2_before_libtorch_runs()
    {
        // Set when GaNas.Core loads (OneDnnIsa), unless the environment already named a cap.
        GaNas.Runtime.OneDnnIsa.Current.Should().Be(Environment.GetEnvironmentVariable(GaNas.Runtime.OneDnnIsa.Variable) ?? GaNas.Runtime.OneDnnIsa.Cap);
    }

    private static double RelativeError(Tensor actual, Tensor reference)
    {
        double error = actual.to_type(ScalarType.Float64).sub(reference).abs().max().item<double>() / reference.abs().max().item<double>();
        return double.IsNaN(error) ? double.PositiveInfinity : error;
    }
}
