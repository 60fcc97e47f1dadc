using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace GaNas.Tests.Training;

/// <summary>Data-parallel training lanes (<see cref="TrainingOptions.Lanes"/>): the one-pass step, in float64, where batch norm does not see the split.</summary>
public class TrainingLanesTests
{
    private const string Arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_1x1~0|avg_pool_3x3~1|nor_conv_3x3~2|";

    public TrainingLanesTests() => TestEnvironment.InitTorch();

    private static CellNetwork Network(bool batchNorm = true) => TopologySearchSpace.Instance.BuildNetwork(TopologySearchSpace.Instance.Parse(Arch),
        new NetworkOptions { Classes = 3, Channels = 4, CellsPerStage = 1, InputChannels = 3, Seed = 7, UseBatchNorm = batchNorm });

    private static (Tensor Images, Tensor Labels) Data(ScalarType dtype)
    {
        var generator = new Generator(11);
        return (randn([48, 3, 12, 12], dtype: dtype, generator: generator), randint(0, 3, [48], generator: generator));
    }

    private static double LargestDifference(nn.Module a, nn.Module b) =>
        a.parameters().Zip(b.parameters()).Max(p => p.First.sub(p.Second).abs().max().ToDouble());

    [Fact]
    public void Two_and_three_lanes_take_the_one_pass_steps_to_float32_rounding_when_batch_norm_does_not_see_the_split()
    {
        var (images, labels) = Data(ScalarType.Float32);
        TrainingOptions Options(int lanes) => new() { Epochs = 2, BatchSize = 12, LearningRate = 0.1, ValidationFraction = 0.25, Seed = 3, CropPadding = 1, Lanes = lanes };
        using CellNetwork one = Network(batchNorm: false), two = Network(batchNorm: false), three = Network(batchNorm: false),
            five = Network(batchNorm: false), initial = Network(batchNorm: false);
        TrainingReport a = NetworkTrainer.Train(one, images, labels, Options(1));
        TrainingReport b = NetworkTrainer.Train(two, images, labels, Options(2));
        TrainingReport c = NetworkTrainer.Train(three, images, labels, Options(3));  // parts of 4: 12 / 3
        NetworkTrainer.Train(five, images, labels, Options(5));                      // parts of 2, 2, 2, 3, 3: weighted by size

        LargestDifference(one, initial).Should().BeGreaterThan(1e-2, "six steps changed the weights, so weights equal to 1e-5 mean equal steps");
        LargestDifference(one, two).Should().BeLessThan(1e-5, "two lanes combine their parts' gradients into the whole batch's (the sums differ in order only)");
        LargestDifference(one, three).Should().BeLessThan(1e-5);
        LargestDifference(one, five).Should().BeLessThan(1e-5, "unequal parts count by their share of the batch");
        b.Curve.Select(m => m.TrainLoss).Should().Equal(a.Curve.Select(m => m.TrainLoss), (x, y) => Math.Abs(x - y) < 1e-5);
        c.Curve.Select(m => m.TrainLoss).Should().Equal(a.Curve.Select(m => m.TrainLoss), (x, y) => Math.Abs(x - y) < 1e-5);
        b.Curve.Select(m => m.ValidationAccuracy).Should().Equal(a.Curve.Select(m => m.ValidationAccuracy));
    }

    [Fact]
    public void A_lane_step_leaves_the_parts_mean_gradient_and_the_parts_mean_running_statistics()
    {
        var (images, labels) = Data(ScalarType.Float64);
        using Tensor x = images.narrow(0, 0, 16), y = labels.narrow(0, 0, 16);
        using CellNetwork network = Network(), first = Network(), second = Network();
        foreach (var n in new[] { network, first, second })
        {
            n.to(ScalarType.Float64);
            n.train();
        }
        using (var lanes = LaneReplicas.Create(network, 2, _ => { }))
        {
            lanes.Train(true);
            var (lossSum, correct) = lanes.Backward(x, y, labelSmoothing: 0);
            lanes.SyncBuffers();

            // The same halves, each through an independent copy on this thread.
            using Tensor o1 = first.call(x.narrow(0, 0, 8)), o2 = second.call(x.narrow(0, 8, 8));
            using Tensor l1 = nn.functional.cross_entropy(o1, y.narrow(0, 0, 8));
            using Tensor l2 = nn.functional.cross_entropy(o2, y.narrow(0, 8, 8));
            l1.backward();
            l2.backward();
            lossSum.Should().BeApproximately(8 * (l1.ToDouble() + l2.ToDouble()), 1e-9);
            long expectedCorrect = o1.argmax(1).eq(y.narrow(0, 0, 8)).sum().item<long>() + o2.argmax(1).eq(y.narrow(0, 8, 8)).sum().item<long>();
            correct.Should().Be(expectedCorrect, "the correct predictions of both halves");
            var p = network.parameters().ToArray();
            var p1 = first.parameters().ToArray();
            var p2 = second.parameters().ToArray();
            p.Should().NotBeEmpty();
            for (int i = 0; i < p.Length; i++)
            {
                if (p1[i].grad is null) { p[i].grad.Should().BeNull(); continue; }
                using Tensor mean = p1[i].grad!.add(p2[i].grad!).div(2);
                p[i].grad!.sub(mean).abs().max().ToDouble().Should().BeLessThan(1e-12, "parameter {0}'s gradient is the mean of the halves'", i);
            }
            var buffers = network.named_buffers().Where(b => b.buffer.is_floating_point()).ToArray();
            var b1 = first.named_buffers().Where(b => b.buffer.is_floating_point()).ToArray();
            var b2 = second.named_buffers().Where(b => b.buffer.is_floating_point()).ToArray();
            buffers.Should().NotBeEmpty();
            for (int i = 0; i < buffers.Length; i++)
            {
                using Tensor mean = b1[i].buffer.add(b2[i].buffer).div(2);
                buffers[i].buffer.sub(mean).abs().max().ToDouble().Should().BeLessThan(1e-12, "{0} is the mean of the lanes' running statistics", buffers[i].name);
                b1[i].buffer.sub(b2[i].buffer).abs().max().ToDouble().Should().BeGreaterThan(0, "the halves saw different images, so the average is not trivially either");
            }
        }
    }

    [Fact]
    public void The_trained_network_keeps_the_mean_of_the_lanes_running_statistics()
    {
        // One step over all 16 images (no validation split, no augmentation): the stem's batch norm starts from zero mean
        // and moves by momentum 0.1 towards each lane's batch mean, so the average over two equal halves is 0.1 x the
        // whole batch's mean, whichever images each lane got; lane 0's alone would differ.
        var (images, labels) = Data(ScalarType.Float32);
        using Tensor x = images.narrow(0, 0, 16), y = labels.narrow(0, 0, 16);
        using CellNetwork network = Network(), initial = Network();
        NetworkTrainer.Train(network, x, y, new TrainingOptions { Epochs = 1, BatchSize = 16, ValidationFraction = 0, Seed = 1, CropPadding = 0, HorizontalFlip = false, Lanes = 2 });
        var stemConv = (TorchSharp.Modules.Conv2d)initial.named_modules().Single(m => m.name == "stem.0").module;
        using var noGrad = no_grad();
        using Tensor expected = stemConv.call(x).mean([0, 2, 3]).mul(0.1);
        Tensor kept = network.named_buffers().Single(b => b.name == "stem.1.running_mean").buffer;
        kept.sub(expected).abs().max().ToDouble().Should().BeLessThan(1e-5);
        using Tensor halfOnly = stemConv.call(x.narrow(0, 0, 8)).mean([0, 2, 3]).mul(0.1);
        using Tensor otherHalf = stemConv.call(x.narrow(0, 8, 8)).mean([0, 2, 3]).mul(0.1);
        halfOnly.sub(otherHalf).abs().max().ToDouble().Should().BeGreaterThan(1e-3, "the halves' means differ, so a single lane's statistics would be wrong");
    }

    [Fact]
    public void Lanes_with_batch_norm_repeat_themselves_exactly_and_refuse_what_they_cannot_split()
    {
        var (images, labels) = Data(ScalarType.Float32);
        TrainingOptions Options(int lanes = 2, int batch = 16) => new() { Epochs = 1, BatchSize = batch, ValidationFraction = 0.25, Seed = 1, Lanes = lanes };
        TrainingOptions options = Options();
        using CellNetwork a = Network(), b = Network(), c = Network();
        NetworkTrainer.Train(a, images, labels, options).Curve[0].TrainLoss.Should().BeGreaterThan(0);
        NetworkTrainer.Train(b, images, labels, options);
        LargestDifference(a, b).Should().Be(0, "same seed, same lanes: the same weights, however the lanes were scheduled");
        var ab = a.named_buffers().ToArray();
        var bb = b.named_buffers().ToArray();
        for (int i = 0; i < ab.Length; i++) ab[i].buffer.to_type(ScalarType.Float64).sub(bb[i].buffer.to_type(ScalarType.Float64)).abs().max().ToDouble().Should().Be(0);
        NetworkTrainer.Train(c, images, labels, Options(lanes: 1));
        LargestDifference(a, c).Should().BeGreaterThan(0, "with batch norm each lane normalises over its own part of the batch");

        using var plain = nn.Sequential(nn.Flatten(), nn.Linear(432, 3));
        var notACell = () => NetworkTrainer.Train(plain, images, labels, options);
        notACell.Should().Throw<ArgumentException>().WithMessage("*CellNetwork*Lanes = 1*");
        var tooSmall = () => NetworkTrainer.Train(Network(), images, labels, Options(batch: 3));
        tooSmall.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*2 images per lane*at most 1 lanes*");
    }
}
