using static TorchSharp.torch;

namespace GaNas.Tests.Networks;

public class TorchSharpLoadTests
{
    [Fact]
    public void Native_libtorch_loads_and_runs_a_convolution_in_the_test_host()
    {
        TestEnvironment.InitTorch();
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(1, 1, 3, padding: 1, bias: false);
        using (no_grad()) conv.weight!.fill_(1.0f);
        Tensor y = conv.call(ones(1, 1, 3, 3));
        // The centre pixel sums all nine ones, a corner sums four.
        y[0, 0, 1, 1].item<float>().Should().Be(9f);
        y[0, 0, 0, 0].item<float>().Should().Be(4f);
        GaNas.Runtime.TorchRuntime.Threads.Should().Be(1);
    }
}
