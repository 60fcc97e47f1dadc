using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Tests.Networks;

/// <summary>Fused cell edges: the unfused cell's outputs, gradients and batch-norm statistics, in float64 to 1e-10.</summary>
public class FusedCellEdgesTests
{
    public FusedCellEdgesTests() => TestEnvironment.InitTorch();

    private static CellNetwork Network(string arch, int seed = 3) => TopologySearchSpace.Instance.BuildNetwork(
        TopologySearchSpace.Instance.Parse(arch), new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 2, InputChannels = 3, Seed = seed });

    private static void SetFused(nn.Module network, bool fused)
    {
        foreach (InferCell cell in network.modules().OfType<InferCell>()) cell.FuseEdges = fused;
    }

    [Theory]
    // Three 3x3 edges from node 0, two from node 1: groups of 3 and 2.
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")]
    // 1x1 and 3x3 edges from the same node (two groups sharing one ReLU), skip, pool and none edges beside them.
    [InlineData("|nor_conv_1x1~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|")]
    [InlineData("|nor_conv_3x3~0|+|skip_connect~0|none~1|+|none~0|none~1|nor_conv_3x3~2|")]
    // Every edge into node 3 is 'none'.
    [InlineData("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|none~0|none~1|none~2|")]
    public void Fused_edges_give_the_unfused_outputs_gradients_and_running_statistics(string arch)
    {
        using CellNetwork plain = Network(arch), fused = Network(arch);
        plain.to(ScalarType.Float64);
        fused.to(ScalarType.Float64);
        SetFused(fused, true);
        var generator = new Generator(9);
        using Tensor x = randn([6, 3, 12, 12], dtype: ScalarType.Float64, generator: generator);
        using Tensor target = randn([6, 3], dtype: ScalarType.Float64, generator: generator);
        for (int step = 0; step < 2; step++)
        {
            plain.train();
            fused.train();
            plain.zero_grad();
            fused.zero_grad();
            using Tensor a = plain.call(x), b = fused.call(x);
            b.sub(a).abs().max().item<double>().Should().BeLessThan(1e-10, "step {0}: the fused forward computes the same logits", step);
            using Tensor la = a.mul(target).sum(), lb = b.mul(target).sum();
            la.backward();
            lb.backward();
            var pa = plain.named_parameters().ToArray();
            var pb = fused.named_parameters().ToArray();
            for (int i = 0; i < pa.Length; i++)
            {
                pb[i].name.Should().Be(pa[i].name);
                Tensor? ga = pa[i].parameter.grad, gb = pb[i].parameter.grad;
                (gb is null).Should().Be(ga is null, "{0} gets a gradient in both or in neither (an edge whose node feeds nothing gets none)", pa[i].name);
                if (ga is not null) gb!.sub(ga).abs().max().item<double>().Should().BeLessThan(1e-10, "gradient of {0}", pa[i].name);
            }
            var ba = plain.named_buffers().ToArray();
            var bb = fused.named_buffers().ToArray();
            ba.Length.Should().Be(bb.Length).And.BeGreaterThan(0);
            for (int i = 0; i < ba.Length; i++)
            {
                bb[i].name.Should().Be(ba[i].name);
                bb[i].buffer.to_type(ScalarType.Float64).sub(ba[i].buffer.to_type(ScalarType.Float64)).abs().max().item<double>()
                    .Should().BeLessThan(1e-12, "buffer {0} after step {1}", ba[i].name, step);
            }
        }
        // The fused path runs the edges' convolutions outside their modules: their hooks fire only on the plain path.
        int Calls(CellNetwork network)
        {
            int calls = 0;
            var hooks = network.modules().OfType<Conv2d>().Select(c => c.register_forward_hook((_, _, output) => { calls++; return output; })).ToList();
            using (no_grad()) network.call(x).Dispose();
            foreach (var hook in hooks) hook.remove();
            return calls;
        }
        int cellConvolutions = plain.modules().OfType<InferCell>().Sum(c => c.modules().OfType<ReluConvBn>().Count());
        Calls(fused).Should().Be(Calls(plain) - cellConvolutions, "every ReLU-Conv-BN edge of every cell runs fused");
        plain.eval();
        fused.eval();
        using var noGrad = no_grad();
        using Tensor ea = plain.call(x), eb = fused.call(x);
        eb.sub(ea).abs().max().item<double>().Should().BeLessThan(1e-10, "evaluation mode uses the running statistics alike");
    }

    [Fact]
    public void Twenty_sgd_steps_in_float64_keep_the_fused_and_unfused_weights_together()
    {
        // In float64 rounding cannot be amplified into visible drift: any difference is a difference of the computation.
        const string arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|";
        using CellNetwork plain = Network(arch), fused = Network(arch);
        plain.to(ScalarType.Float64);
        fused.to(ScalarType.Float64);
        SetFused(fused, true);
        using var sgdPlain = optim.SGD(plain.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4, nesterov: true);
        using var sgdFused = optim.SGD(fused.parameters(), 0.1, momentum: 0.9, weight_decay: 5e-4, nesterov: true);
        var generator = new Generator(4);
        using Tensor x = randn([16, 3, 12, 12], dtype: ScalarType.Float64, generator: generator);
        using Tensor y = randint(0, 3, [16], generator: generator);
        plain.train();
        fused.train();
        for (int step = 0; step < 20; step++)
        {
            using var scope = NewDisposeScope();
            sgdPlain.zero_grad();
            sgdFused.zero_grad();
            nn.functional.cross_entropy(plain.call(x), y).backward();
            nn.functional.cross_entropy(fused.call(x), y).backward();
            sgdPlain.step();
            sgdFused.step();
        }
        double largest = plain.parameters().Zip(fused.parameters()).Max(p => p.First.sub(p.Second).abs().max().item<double>());
        largest.Should().BeLessThan(1e-12);
    }

    [Fact]
    public void Training_fused_matches_unfused_to_float32_rounding_and_leaves_the_cells_unfused()
    {
        const string arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|skip_connect~2|";
        var generator = new Generator(5);
        using Tensor labels = arange(64).remainder(3);
        using Tensor images = rand([64, 3, 12, 12], generator: generator).mul(255).to_type(ScalarType.Byte);
        var normalization = new InputNormalization([120.0, 110.0, 100.0], [70.0, 60.0, 65.0]);
        TrainingOptions Options(bool fuse) => new()
        {
            Epochs = 1, BatchSize = 16, LearningRate = 0.05, ValidationFraction = 0.25, Seed = 2, Normalization = normalization, FuseCellEdges = fuse,
        };
        using CellNetwork plain = Network(arch), fused = Network(arch);
        TrainingReport a = NetworkTrainer.Train(plain, images, labels, Options(false));
        TrainingReport b = NetworkTrainer.Train(fused, images, labels, Options(true));
        b.Curve[0].TrainLoss.Should().BeApproximately(a.Curve[0].TrainLoss, 1e-4);
        b.Curve[0].ValidationAccuracy.Should().Be(a.Curve[0].ValidationAccuracy);
        var left = plain.parameters().ToArray();
        var right = fused.parameters().ToArray();
        for (int i = 0; i < left.Length; i++) left[i].sub(right[i]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        fused.modules().OfType<InferCell>().Should().NotBeEmpty().And.OnlyContain(c => !c.FuseEdges, "hooks on the edges' modules see them again after training");

        // The default options fuse: during training no cell convolution runs through its own module.
        using CellNetwork byDefault = Network(arch);
        int cellCalls = 0;
        var hooks = byDefault.modules().OfType<InferCell>().SelectMany(c => c.modules().OfType<Conv2d>())
            .Select(conv => conv.register_forward_hook((_, _, output) => { cellCalls++; return output; })).ToList();
        NetworkTrainer.Train(byDefault, images, labels, new TrainingOptions { Epochs = 1, BatchSize = 16, ValidationFraction = 0.25, Seed = 2, Normalization = normalization });
        foreach (var hook in hooks) hook.remove();
        hooks.Should().NotBeEmpty();
        cellCalls.Should().Be(0, "TrainingOptions.FuseCellEdges is on by default");

        // Same seed, same fused result.
        using CellNetwork again = Network(arch);
        TrainingReport c = NetworkTrainer.Train(again, images, labels, Options(true));
        c.Curve[0].TrainLoss.Should().Be(b.Curve[0].TrainLoss);
        var third = again.parameters().ToArray();
        for (int i = 0; i < right.Length; i++) third[i].sub(right[i]).abs().max().item<float>().Should().Be(0f);
    }

    [Fact]
    public void Folded_edges_fuse_too_and_give_the_unfused_folded_logits()
    {
        const string arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|nor_conv_3x3~2|";
        using CellNetwork network = Network(arch);
        network.eval();
        using Tensor x = randn([4, 3, 12, 12], generator: new Generator(1));
        using var noGrad = no_grad();
        using Tensor unfolded = network.call(x);
        network.FoldBatchNormForInference();
        network.modules().OfType<InferCell>().Should().OnlyContain(c => c.FuseEdges, "a scoring-only network runs its edges fused");
        using Tensor fused = network.call(x);
        SetFused(network, false);
        using Tensor plain = network.call(x);
        fused.sub(plain).abs().max().item<float>().Should().BeLessThan(1e-5f);
        fused.sub(unfolded).abs().max().item<float>().Should().BeLessThan(1e-4f);
        int calls = 0;
        var hooks = network.modules().OfType<Conv2d>().Select(c => c.register_forward_hook((_, _, output) => { calls++; return output; })).ToList();
        SetFused(network, true);
        network.call(x).Dispose();
        foreach (var hook in hooks) hook.remove();
        int cellConvolutions = network.modules().OfType<InferCell>().Sum(c => c.modules().OfType<ReluConvBn>().Count());
        calls.Should().Be(network.modules().OfType<Conv2d>().Count() - cellConvolutions, "the folded cell convolutions run fused, outside their modules");
    }
}
