using GaNas.Networks;
using GaNas.SearchSpaces;
using GaNas.Training;
using static TorchSharp.torch;

namespace GaNas.Tests.Training;

/// <summary>A training killed after an epoch resumes from its checkpoint and ends exactly where an uninterrupted one does.</summary>
public class TrainingCheckpointTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-ckpt-").FullName;

    public TrainingCheckpointTests() => TestEnvironment.InitTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const string Cell = "|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|";

    private static CellNetwork Network() => TopologySearchSpace.Instance.BuildNetwork(TopologySearchSpace.Instance.Parse(Cell),
        new NetworkOptions { Classes = 2, Channels = 4, CellsPerStage = 1, InputChannels = 1, Seed = 3 });

    private static (Tensor Images, Tensor Labels) Data()
    {
        var generator = new Generator(5);
        Tensor labels = arange(48).remainder(2);
        Tensor images = rand([48, 1, 8, 8], generator: generator).add(labels.view(48, 1, 1, 1).to_type(ScalarType.Float32));
        return (images, labels);
    }

    private TrainingOptions Options(string? checkpoint, double learningRate = 0.05, int lanes = 1) => new()
    {
        Epochs = 5, BatchSize = 8, LearningRate = learningRate, ValidationFraction = 0.25, Seed = 2, CropPadding = 1, CheckpointPath = checkpoint, Lanes = lanes,
    };

    private static float[] Weights(CellNetwork network) =>
        network.state_dict().OrderBy(kv => kv.Key, StringComparer.Ordinal).SelectMany(kv => kv.Value.to_type(ScalarType.Float32).data<float>().ToArray()).ToArray();

    private sealed class Callback(Action<EpochMetrics> action) : IProgress<EpochMetrics>
    {
        public void Report(EpochMetrics value) => action(value);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]  // the replicas start from the resumed weights and running statistics
    public void A_run_killed_after_an_epoch_resumes_to_the_uninterrupted_weights(int lanes)
    {
        var (images, labels) = Data();
        using var uninterrupted = Network();
        TrainingReport whole = NetworkTrainer.Train(uninterrupted, images, labels, Options(null, lanes: lanes));

        string checkpoint = Path.Combine(_dir, "train.ckpt");
        using var cts = new CancellationTokenSource();
        using (var first = Network())
        {
            var stopped = NetworkTrainer.Train(first, images, labels, Options(checkpoint, lanes: lanes), progress: new Callback(m => { if (m.Epoch == 2) cts.Cancel(); }), ct: cts.Token);
            stopped.Completed.Should().BeFalse();
        }
        File.Exists(checkpoint).Should().BeTrue();
        using var resumedNetwork = Network();  // fresh weights: the checkpoint's replace them
        TrainingReport resumed = NetworkTrainer.Train(resumedNetwork, images, labels, Options(checkpoint, lanes: lanes));
        resumed.Completed.Should().BeTrue();
        resumed.Curve.Select(m => (m.Epoch, m.TrainLoss, m.ValidationAccuracy)).Should().Equal(whole.Curve.Select(m => (m.Epoch, m.TrainLoss, m.ValidationAccuracy)));
        resumed.BestEpoch.Should().Be(whole.BestEpoch);
        Weights(resumedNetwork).Should().Equal(Weights(uninterrupted));
    }

    [Fact]
    public void A_checkpoint_of_another_run_or_a_damaged_one_is_refused()
    {
        var (images, labels) = Data();
        string checkpoint = Path.Combine(_dir, "other.ckpt");
        using (var network = Network()) NetworkTrainer.Train(network, images, labels, Options(checkpoint));
        using var other = Network();
        var act = () => NetworkTrainer.Train(other, images, labels, Options(checkpoint, learningRate: 0.1));
        act.Should().Throw<InvalidDataException>().WithMessage($"*'{checkpoint}' belongs to another training run: 'learning_rate' is 0.05 in the file but 0.1 in this run*");
        byte[] bytes = File.ReadAllBytes(checkpoint);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(checkpoint, bytes);
        var damaged = () => NetworkTrainer.Train(other, images, labels, Options(checkpoint));
        damaged.Should().Throw<InvalidDataException>().WithMessage("*integrity check*");
    }
}
