using GaNas.Networks;
using GaNas.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Tests.Networks;

public class NetworkTests
{
    public NetworkTests() => TestEnvironment.InitTorch();

    private const string Index0 = "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|";

    [Theory]
    [InlineData("tss", Index0, 129306)]
    [InlineData("tss", "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 73306)]
    [InlineData("sss", "8:8:8:8:8", 11714)]
    [InlineData("sss", "64:64:56:64:24", 536618)]
    public void Parameter_counts_match_the_benchmark(string spaceName, string arch, long expected)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(spaceName);
        using CellNetwork net = space.BuildNetwork(space.Parse(arch), space.BenchmarkOptions(10));
        NetworkStatistics.CountParameters(net).Should().Be(expected);
    }

    [Theory]
    [InlineData("tss", 10, 32, 3)]
    [InlineData("tss", 120, 16, 3)]
    [InlineData("sss", 100, 32, 3)]
    [InlineData("sss", 7, 28, 1)]
    public void Forward_gives_one_logit_per_class(string spaceName, int classes, int size, int inputChannels)
    {
        ISearchSpace space = SearchSpaceCatalog.ByName(spaceName);
        var options = space.BenchmarkOptions(classes).With(inputChannels: inputChannels, channels: 8, cellsPerStage: 1);
        using CellNetwork net = space.BuildNetwork(space.Sample(new Random(5)), options);
        using var scope = NewDisposeScope();
        Tensor y = net.call(randn(2, inputChannels, size, size));
        y.shape.Should().Equal(2, classes);
    }

    [Fact]
    public void Same_seed_gives_identical_weights_and_another_seed_differs()
    {
        var space = TopologySearchSpace.Instance;
        Genome g = space.Parse(Index0);
        using CellNetwork a = space.BuildNetwork(g, space.BenchmarkOptions(10).With(seed: 7));
        using CellNetwork b = space.BuildNetwork(g, space.BenchmarkOptions(10).With(seed: 7));
        using CellNetwork c = space.BuildNetwork(g, space.BenchmarkOptions(10).With(seed: 8));
        var pa = a.parameters().ToList();
        var pb = b.parameters().ToList();
        var pc = c.parameters().ToList();
        for (int i = 0; i < pa.Count; i++) pa[i].equal(pb[i]).all().item<bool>().Should().BeTrue();
        pa.Zip(pc).Any(p => !p.First.equal(p.Second).all().item<bool>()).Should().BeTrue();
    }

    [Fact]
    public void State_dict_names_follow_nats_bench()
    {
        var space = TopologySearchSpace.Instance;
        using CellNetwork net = space.BuildNetwork(space.Parse(Index0), space.BenchmarkOptions(10));
        var keys = net.state_dict().Keys.ToList();
        keys.Should().Contain(["stem.0.weight", "stem.1.weight", "cells.0.layers.1.op.1.weight", "cells.5.conv_a.op.1.weight",
            "cells.5.downsample.1.weight", "lastact.0.running_mean", "classifier.weight", "classifier.bias"]);
    }

    [Fact]
    public void Hooks_fire_on_relu_pool_and_conv_modules()
    {
        var space = TopologySearchSpace.Instance;
        // index 0 has an avg_pool edge: 15 cells x 1 pool + 2 reduction shortcut pools + 1 global pool.
        using CellNetwork net = space.BuildNetwork(space.Parse(Index0), space.BenchmarkOptions(10));
        int relu = 0, pool = 0, conv = 0;
        foreach (var (_, m) in net.named_modules())
        {
            switch (m)
            {
                case ReLU r: r.register_forward_hook((_, _, o) => { relu++; return o; }); break;
                case nn.Module<Tensor, Tensor> p when AveragePool3x3.IsPooling(p): p.register_forward_hook((_, _, o) => { pool++; return o; }); break;
                case Conv2d c: c.register_forward_hook((_, _, o) => { conv++; return o; }); break;
            }
        }
        using var scope = NewDisposeScope();
        net.call(randn(2, 3, 32, 32));
        pool.Should().Be(15 + 2 + 1);
        // Per cell: two nor_conv_1x1 edges = 2 ReLU + 2 conv. Per reduction: 2 ReLU + 3 conv. Stem conv, lastact ReLU.
        relu.Should().Be(15 * 2 + 2 * 2 + 1);
        conv.Should().Be(15 * 2 + 2 * 3 + 1);
    }

    [Fact]
    public void Forward_leaves_no_live_tensors_behind()
    {
        var space = SizeSearchSpace.Instance;
        using CellNetwork net = space.BuildNetwork(space.Parse("16:8:24:8:16"), space.BenchmarkOptions(10));
        using var input = randn(4, 3, 32, 32);
        using (var warm = NewDisposeScope()) net.call(input);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 20; i++)
        {
            using var scope = NewDisposeScope();
            net.call(input);
        }
        DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before);
    }

    [Fact]
    public void Without_batch_norm_the_network_has_no_batch_norm_modules()
    {
        var space = SizeSearchSpace.Instance;
        using CellNetwork net = space.BuildNetwork(space.Parse("8:8:8:8:8"), space.BenchmarkOptions(10).With(useBatchNorm: false));
        net.modules().OfType<TorchSharp.Modules.BatchNorm>().Should().BeEmpty();
        // 11,714 minus the affine BN parameters of the benchmark network.
        NetworkStatistics.CountParameters(net).Should().BeLessThan(11714);
    }

    [Fact]
    public void Macs_count_convolutions_at_their_output_resolution()
    {
        var space = SizeSearchSpace.Instance;
        using CellNetwork net = space.BuildNetwork(space.Parse("8:8:8:8:8"), space.BenchmarkOptions(10));
        long at32 = NetworkStatistics.CountMultiplyAccumulates(net, 32);
        long at16 = NetworkStatistics.CountMultiplyAccumulates(net, 16);
        // Stem: 3x3x3x8 weights at 32x32 = 221,184; classifier 80. Halving the input quarters the conv MACs.
        (at32 - 80).Should().Be(4 * (at16 - 80));
        at32.Should().Be(4481104);
    }

    [Fact]
    public void Invalid_options_are_rejected_by_name()
    {
        var space = TopologySearchSpace.Instance;
        var act = () => space.BuildNetwork(space.Parse(Index0), new NetworkOptions { Classes = 0 });
        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("Classes");
    }

    [Theory]
    [InlineData("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|avg_pool_3x3~2|")]
    [InlineData("|none~0|+|nor_conv_1x1~0|none~1|+|none~0|nor_conv_3x3~1|none~2|")]
    [InlineData("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")]
    public void A_cell_equals_the_sum_of_all_its_edges_including_the_none_edges_it_skips(string arch)
    {
        using var scope = NewDisposeScope();
        var topology = CellTopology.Parse(arch);
        using var cell = new InferCell(topology, 4, 4, useBatchNorm: true);
        cell.train();
        var layers = (ModuleList<nn.Module<Tensor, Tensor>>)cell.named_children().Single(c => c.name == "layers").module;
        var x = randn(2, 4, 6, 6, generator: new Generator(3));
        // Reference: node i = sum over every edge (j, i) of op(node j), zero ops included, in edge order.
        var nodes = new Tensor?[CellTopology.NodeCount];
        nodes[0] = x;
        int e = 0;
        foreach (var (target, source, _) in topology.Edges)
        {
            Tensor y = layers[e++].call(nodes[source]!);
            nodes[target] = nodes[target] is null ? y : nodes[target]!.add(y);
        }
        Tensor output = cell.call(x);
        output.shape.Should().Equal(nodes[3]!.shape);
        output.eq(nodes[3]!).all().item<bool>().Should().BeTrue("skipping a 'none' edge may only change the sign of a zero");
    }
}
