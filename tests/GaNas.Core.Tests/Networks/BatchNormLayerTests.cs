using GaNas.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Tests.Networks;

public class BatchNormLayerTests
{
    [Fact]
    public void It_computes_what_TorchSharps_BatchNorm2d_computes_in_training_and_evaluation()
    {
        using var scope = NewDisposeScope();
        using var ours = new BatchNormLayer(5);
        using var theirs = nn.BatchNorm2d(5, eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true);
        using (no_grad())
        {
            foreach (var bn in new TorchSharp.Modules.BatchNorm[] { ours, theirs })
            {
                bn.weight!.copy_(linspace(0.5, 1.5, 5));
                bn.bias!.copy_(linspace(-0.2, 0.2, 5));
            }
        }
        using var g = new Generator(11);
        for (int step = 0; step < 3; step++)
        {
            Tensor x = randn([8, 5, 4, 4], generator: g).mul(2).add(1);
            Tensor a = ours.call(x), b = theirs.call(x);
            Same(a, b).Should().BeTrue($"training step {step}");
        }
        Same(ours.running_mean!, theirs.running_mean!).Should().BeTrue();
        Same(ours.running_var!, theirs.running_var!).Should().BeTrue();
        ours.num_batches_tracked!.item<long>().Should().Be(3).And.Be(theirs.num_batches_tracked!.item<long>());

        ours.eval();
        theirs.eval();
        Tensor y = randn([2, 5, 4, 4], generator: g);
        Same(ours.call(y), theirs.call(y)).Should().BeTrue("evaluation uses the running statistics");
        ours.num_batches_tracked!.item<long>().Should().Be(3, "evaluation does not count batches");

        ours.state_dict().Keys.Should().BeEquivalentTo(theirs.state_dict().Keys, "saved models keep their names");
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void An_input_that_is_not_4D_is_refused()
    {
        using var scope = NewDisposeScope();
        using var bn = new BatchNormLayer(3);
        FluentActions.Invoking(() => bn.call(zeros(4, 3))).Should().Throw<ArgumentException>().WithMessage("*4-D input*2-D*");
    }

    [Fact]
    public void Every_batch_norm_of_a_network_is_the_guarded_layer()
    {
        using var scope = NewDisposeScope();
        var space = GaNas.SearchSpaces.SearchSpaceCatalog.ByName("tss");
        using CellNetwork net = space.BuildNetwork(space.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|none~2|"), new NetworkOptions { Classes = 10, Channels = 4, CellsPerStage = 1 });
        var norms = net.modules().OfType<TorchSharp.Modules.BatchNorm>().ToList();
        norms.Should().NotBeEmpty().And.AllBeOfType<BatchNormLayer>();
    }
}
