using GaNas.Networks;
using static TorchSharp.torch;

namespace GaNas.Tests.Networks;

public class AveragePool3x3Tests
{
    public AveragePool3x3Tests() => TestEnvironment.InitTorch();

    private static Tensor Reference(Tensor x) => nn.functional.avg_pool2d(x, 3, stride: 1, padding: 1, ceil_mode: false, count_include_pad: false);

    [Theory]
    [InlineData(4, 16, 8, 8)]   // whole vectors
    [InlineData(3, 8, 5, 7)]    // one vector per pixel where Vector<float> holds 8 floats (AVX2), else scalar
    [InlineData(2, 13, 7, 6)]   // vectors and a scalar tail
    [InlineData(2, 3, 2, 3)]    // scalar only, windows cut by every border
    [InlineData(1, 48, 3, 1)]   // one column
    public void AveragePool3x3_is_bit_identical_to_libtorch(int batch, int channels, int height, int width)
    {
        using var scope = NewDisposeScope();
        var x = MemoryLayout.ToChannelsLast(randn(batch, channels, height, width, generator: new Generator(5)).mul(100));
        AveragePool3x3.UsesKernel(x).Should().BeTrue();
        var expected = Reference(x);
        foreach (int threads in new[] { 1, 2 })
        {
            var actual = AveragePool3x3.Kernel(x, threads);
            actual.shape.Should().Equal(expected.shape);
            MemoryLayout.IsChannelsLast(actual).Should().BeTrue();
            actual.eq(expected).all().item<bool>().Should().BeTrue($"the kernel adds in libtorch's order ({threads} thread(s))");
        }
    }

    [Fact]
    public void Gradients_and_other_layouts_go_to_libtorch_with_the_same_result()
    {
        using var scope = NewDisposeScope();
        using var pool = new AveragePool3x3();
        var nchw = randn(2, 16, 6, 6, generator: new Generator(7));
        AveragePool3x3.UsesKernel(nchw).Should().BeFalse("NCHW is not the kernel's layout");
        pool.call(nchw).eq(Reference(nchw)).all().item<bool>().Should().BeTrue();

        var leaf = MemoryLayout.ToChannelsLast(nchw).detach().requires_grad_(true);
        AveragePool3x3.UsesKernel(leaf).Should().BeFalse("a gradient needs libtorch's autograd");
        pool.call(leaf).sum().backward();
        leaf.grad.Should().NotBeNull();
        // Interior inputs feed nine windows of 9; a corner input feeds one window of 4, two of 6 and one of 9.
        leaf.grad![0, 0, 2, 2].item<float>().Should().BeApproximately(1f, 1e-6f);
        leaf.grad![0, 0, 0, 0].item<float>().Should().BeApproximately(1f / 4 + 2f / 6 + 1f / 9, 1e-6f);

        var doubles = MemoryLayout.ToChannelsLast(nchw.to_type(ScalarType.Float64));
        AveragePool3x3.UsesKernel(doubles).Should().BeFalse("the kernel is float32 only");
        pool.call(doubles).eq(Reference(doubles)).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Kernel_rejects_a_batch_it_cannot_read()
    {
        using var scope = NewDisposeScope();
        var act = () => AveragePool3x3.Kernel(randn(2, 16, 6, 6), 1);
        act.Should().Throw<ArgumentException>().WithMessage("*channels-last*");
    }
}
