using GaNas.Networks;
using GaNas.Proxies;
using GaNas.SearchSpaces;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GaNas.Tests.Proxies;

public class GraspTests
{
    public GraspTests() => TestEnvironment.InitTorch();

    private static readonly NetworkOptions Tiny = new() { Classes = 10, Channels = 4, CellsPerStage = 1 };

    [Fact]
    public void Grasp_is_minus_theta_times_the_hessian_gradient_product_of_the_reference_procedure()
    {
        using var generator = new Generator(5);
        using var images = randn(8, 3, 16, 16, generator: generator);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5, 6, 7 });
        var space = TopologySearchSpace.Instance;
        Genome genome = space.Parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|");
        double value = new ProxyEvaluator(space, ProxyRegistry.CreateMany("grasp"), images, Tiny, seed: 1, labels).Evaluate(genome).Values["grasp"].Value;

        // The procedure of the zero-cost proxies' code: a plain gradient g from one forward pass, then a second forward
        // pass whose gradient is differentiated against g; the score is -sum theta * (H g) over conv and linear weights.
        using var scope = NewDisposeScope();
        using var context = new ProxyContext(space, genome, images, Tiny, 1, CleanPassNeeds.None);
        CellNetwork network = context.Network;
        var weights = network.modules().Select(m => m switch { Conv2d c => c.weight, Linear l => l.weight, _ => null }).OfType<Tensor>().ToList();
        network.train();
        var g = autograd.grad([nn.functional.cross_entropy(network.call(context.Input), labels)], weights, allow_unused: true).Select(t => t.detach()).ToList();
        var differentiable = autograd.grad([nn.functional.cross_entropy(network.call(context.Input), labels)], weights, retain_graph: true, create_graph: true, allow_unused: true);
        Tensor dot = differentiable.Zip(g).Select(p => p.First.mul(p.Second).sum()).Aggregate((a, b) => a.add(b));
        var hg = autograd.grad([dot], weights, allow_unused: true);
        double expected = -weights.Zip(hg).Sum(p => p.First.detach().to(ScalarType.Float64).mul(p.Second.to(ScalarType.Float64)).sum().item<double>());

        expected.Should().NotBe(0);
        value.Should().BeApproximately(expected, Math.Abs(expected) * 1e-5);
    }
}
