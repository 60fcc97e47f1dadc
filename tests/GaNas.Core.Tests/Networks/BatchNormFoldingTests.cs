using GaNas.Export;
using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Tests.Export;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Tests.Networks;

public class BatchNormFoldingTests
{
    public BatchNormFoldingTests() => TestEnvironment.InitTorch();

    // Convolutions before a batch norm in every place they occur: the stem, nor_conv edges, pooling with a channel
    // change, the reduction blocks, SSS channel projections.
    [Theory]
    [InlineData("tss", "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|", 8, 1)]
    [InlineData("tss", "|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|", 4, 2)]
    [InlineData("sss", "8:16:24:32:64", 8, 1)]
    [InlineData("sss", "64:8:40:8:16", 8, 2)]
    public void A_folded_network_gives_the_same_logits_and_runs_only_the_last_batch_norm(string spaceName, string arch, int channels, int cells)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(spaceName);
        using CellNetwork net = space.BuildNetwork(space.Parse(arch), new NetworkOptions { Classes = 5, Channels = channels, CellsPerStage = cells, Seed = 2 });
        OnnxExportTests.RandomiseBatchNorm(net, seed: 4);
        net.eval();
        using var x = randn([16, 3, 16, 16], generator: new Generator(7));
        float[] before = Logits(net, x);
        int norms = net.modules().OfType<TorchSharp.Modules.BatchNorm>().Count();

        net.FoldBatchNormForInference();
        int calls = 0;
        foreach (var bn in net.modules().OfType<TorchSharp.Modules.BatchNorm>()) bn.register_forward_hook((_, _, o) => { calls++; return o; });
        float[] after = Logits(net, x);

        norms.Should().BeGreaterThan(1);
        calls.Should().Be(1, "only the last activation's batch norm has no convolution before it");
        float scale = before.Max(Math.Abs);
        before.Zip(after, (a, b) => Math.Abs(a - b)).Max().Should().BeLessThanOrEqualTo(1e-5f * Math.Max(1f, scale));
        after.Should().NotEqual(before, "folding changes the arithmetic (a test that cannot tell folded from unfolded proves nothing)");
    }

    [Fact]
    public void Folding_refuses_a_network_in_training_mode_and_a_folded_network_refuses_training_and_export()
    {
        ISearchSpace space = SearchSpaceCatalog.ByName("tss");
        using CellNetwork net = space.BuildNetwork(space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"),
            new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 1 });
        net.train();
        FluentActions.Invoking(net.FoldBatchNormForInference).Should().Throw<InvalidOperationException>().WithMessage("*evaluation mode*");

        net.eval();
        net.FoldBatchNormForInference();
        net.FoldBatchNormForInference();  // a second call changes nothing
        using var x = randn([16, 3, 8, 8]);
        net.train();
        FluentActions.Invoking(() => net.call(x)).Should().Throw<InvalidOperationException>().WithMessage("*folded*trained*");
        var options = new OnnxExportOptions { Height = 8, Width = 8, Mean = [0, 0, 0], Std = [1, 1, 1], Labels = ["a", "b", "c"] };
        FluentActions.Invoking(() => OnnxExporter.ToBytes(net, options)).Should().Throw<InvalidOperationException>().WithMessage("*folded*");
    }

    private static float[] Logits(CellNetwork net, Tensor x)
    {
        using var scope = NewDisposeScope();
        using var noGrad = inference_mode(true);
        return net.call(x).data<float>().ToArray();
    }
}
