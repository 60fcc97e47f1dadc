using GaNas.Runtime;
using System.Diagnostics;
using GaNas.Data;
using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace GaNas.Tests;

/// <summary>One tiny search-and-train run shared by the tests that only read its result.</summary>
public sealed class TinyModelFixture : IDisposable
{
    public MLContext Context { get; } = new(seed: 0);
    public IDataView Train { get; }
    public IDataView Test { get; }
    public TransformerChain<TrainingFreeNasTransformer> Model { get; }
    public List<TrainingFreeNasProgress> Progress { get; } = [];
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("ganas-mlnet-").FullName;

    public TinyModelFixture()
    {
        TestEnvironment.InitTorch();
        Train = Context.Data.LoadFromEnumerable(FashionData.Rows(FashionData.Train(400)));
        Test = Context.Data.LoadFromEnumerable(FashionData.Rows(FashionData.Test(1000)));
        Model = Context.Transforms.Conversion.MapValueToKey("Label")
            .Append(Context.MulticlassClassification.Trainers.TrainingFreeNas(TinyOptions(Progress)))
            .Fit(Train);
    }

    public static TrainingFreeNasOptions TinyOptions(List<TrainingFreeNasProgress>? progress = null) => new()
    {
        ImageChannels = 1, ImageHeight = 28, ImageWidth = 28,
        SearchSpace = NasSearchSpace.Topology, Channels = 8, CellsPerStage = 1,
        Evaluations = 8, ProxyBatchSize = 16, Epoch = 5, BatchSize = 32, LearningRate = 0.05, NumberOfThreads = 1,
        AdaptToSmallData = false,  // 360 training rows: the small-data rule would warn, and is tested on its own
        Progress = progress is null ? null : new SyncProgress<TrainingFreeNasProgress>(progress.Add),
    };

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}


public class TrainingFreeNasTrainerTests(TinyModelFixture fixture) : IClassFixture<TinyModelFixture>
{
    private readonly MLContext _ml = fixture.Context;

    [Fact]
    public void Fit_searches_trains_and_evaluates_like_any_multiclass_trainer()
    {
        var nas = fixture.Model.LastTransformer;
        nas.Summary.Evaluations.Should().Be(8);
        TopologyCheck(nas.Architecture);
        nas.Summary.TrainingCurve.Should().HaveCount(5);
        // The default score is the project's "ctrk"; its proxies are what the search computed.
        nas.Summary.Score.Should().Be("ctrk");
        nas.Summary.ProxyValues.Keys.Should().BeEquivalentTo(["logsynflow", "meco", "naswot", "az_progressivity"]);
        fixture.Progress.Select(p => p.Phase).Distinct().Should().Equal("warning", "search", "training");
        nas.Summary.Warnings.Should().Contain(w => w.Contains("SGD step(s) per epoch", StringComparison.Ordinal));
        var metrics = _ml.MulticlassClassification.Evaluate(fixture.Model.Transform(fixture.Test));
        metrics.MicroAccuracy.Should().BeGreaterThan(0.4, "five epochs on 400 images beat chance (0.1) by far");
        var scored = fixture.Model.Transform(fixture.Test);
        scored.Schema["Score"].Type.Should().Be(new VectorDataViewType(NumberDataViewType.Single, 10));
        scored.Schema["PredictedLabel"].Type.Should().BeOfType<KeyDataViewType>();
        scored.GetColumn<float[]>("Score").Take(20).Should().OnlyContain(s => Math.Abs(s.Sum() - 1) < 1e-4);
    }

    private static void TopologyCheck(string arch) => GaNas.SearchSpaces.TopologySearchSpace.Instance.Parse(arch).Should().NotBeNull();

    [Fact]
    public void Predicted_label_maps_back_to_the_label_values()
    {
        var scored = fixture.Model.Transform(fixture.Test);
        var text = _ml.Transforms.Conversion.MapKeyToValue("PredictedText", "PredictedLabel")
            .Append(_ml.Transforms.Conversion.MapKeyToValue("LabelText", "Label")).Fit(scored).Transform(scored);
        text.GetColumn<string>("PredictedText").Should().OnlyContain(s => FashionData.ClassNames.Contains(s));
        // Keys of the prediction and of the label refer to the same classes.
        var pairs = text.GetColumn<string>("PredictedText").Zip(text.GetColumn<string>("LabelText")).ToList();
        double agreement = pairs.Count(p => p.First == p.Second) / (double)pairs.Count;
        agreement.Should().BeApproximately(_ml.MulticlassClassification.Evaluate(scored).MicroAccuracy, 1e-9);
    }

    [Fact]
    public void Prediction_engine_batch_transform_and_in_process_reload_agree()
    {
        string path = Path.Combine(fixture.Directory, "model.zip");
        _ml.Model.Save(fixture.Model, fixture.Train.Schema, path);
        var fresh = new MLContext();
        var batched = fresh.Model.LoadTrainingFreeNas(path, out _);
        fresh.Model.RegisterTrainingFreeNas();
        var rowByRow = fresh.Model.Load(path, out _);
        var fitted = fixture.Model.Transform(fixture.Test).GetColumn<float[]>("Score").ToList();
        var reloaded = batched.Transform(fixture.Test).GetColumn<float[]>("Score").ToList();
        var perRow = rowByRow.Transform(fixture.Test).GetColumn<float[]>("Score").ToList();
        var engine = fresh.Model.CreatePredictionEngine<PixelRow, Prediction>(batched);
        var fittedEngine = _ml.Model.CreatePredictionEngine<PixelRow, Prediction>(fixture.Model);
        var rows = FashionData.Rows(FashionData.Test(1000)).ToList();
        reloaded.Should().HaveCount(1000);
        for (int i = 0; i < 1000; i++)
        {
            // The same path gives the same bits: batches for Transform, one row for a PredictionEngine.
            reloaded[i].Should().Equal(fitted[i]);
            float[] single = engine.Predict(rows[i]).Score;
            single.Should().Equal(fittedEngine.Predict(rows[i]).Score);
            single.Should().Equal(perRow[i]);
            // A batch may add up in another order than one row: float32 rounding, never another answer.
            for (int k = 0; k < single.Length; k++) Math.Abs(single[k] - fitted[i][k]).Should().BeLessThan(1e-6f);
            Array.IndexOf(single, single.Max()).Should().Be(Array.IndexOf(fitted[i], fitted[i].Max()));
        }
        // A row's batched scores do not depend on the batch it falls in (short batches are padded).
        foreach (int take in new[] { 1, 2, 3, 300 })
        {
            var few = batched.Transform(fresh.Data.TakeRows(fixture.Test, take)).GetColumn<float[]>("Score").ToList();
            for (int i = 0; i < take; i++) few[i].Should().Equal(fitted[i], $"row {i} of the first {take}");
        }
        fresh.MulticlassClassification.Evaluate(batched.Transform(fixture.Test)).MicroAccuracy
            .Should().Be(_ml.MulticlassClassification.Evaluate(fixture.Model.Transform(fixture.Test)).MicroAccuracy);
    }

    [Fact]
    public void A_model_saved_here_predicts_identically_in_another_process()
    {
        string path = Path.Combine(fixture.Directory, "cross.zip");
        string output = Path.Combine(fixture.Directory, "child.csv");
        _ml.Model.Save(fixture.Model.LastTransformer, fixture.Model.Transform(fixture.Train).Schema, path);
        string example = ExamplePath();
        var start = new ProcessStartInfo("dotnet", [example, "--predict", path, "--out", output, "--count", "1000"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var child = Process.Start(start)!;
        string stderr = child.StandardError.ReadToEnd();
        child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        child.ExitCode.Should().Be(0, stderr);
        var theirs = File.ReadAllLines(output);
        var ours = fixture.Model.Transform(fixture.Test).GetColumn<float[]>("Score").ToList();
        theirs.Should().HaveCount(1000);
        for (int i = 0; i < 1000; i++)
            theirs[i].Should().Be(string.Join(',', ours[i].Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))), $"row {i}");
    }

    [Theory]
    [InlineData("--epochs", "-1", "--epochs must lie in 0..1000; got -1")]
    [InlineData("--epochs", "ten", "Cannot parse argument 'ten' for option '--epochs'")]
    [InlineData("--baseline-iterations", "many", "--baseline-iterations is 'equal' or a whole number of at least 0; got 'many'")]
    [InlineData("--threads", "1000", "--threads must lie in 0..256; got 1000")]
    [InlineData("--count", "0", "--count must lie in 1..10000; got 0")]
    [InlineData("--preset", "medium", "--preset is one of quick, long; got 'medium'")]
    [InlineData("--native-heap", "none", "--native-heap is one of retain, default; got 'none'")]
    [InlineData("--score", "bogus", "Score 'bogus' names unknown proxy 'bogus'")]  // the trainer's own check, made before the data is read
    [InlineData("--model", "/proc/ganas-model.zip", "--model '/proc/ganas-model.zip' cannot be written")]
    [InlineData("--predict", "/proc/no-such-model.zip", "--predict '/proc/no-such-model.zip' does not exist")]
    public void The_example_refuses_a_bad_option_by_name_before_reading_data(string option, string value, string message)
    {
        // --data names a folder that does not exist: an option that got past its check would end in "not found" instead.
        var start = new ProcessStartInfo("dotnet", [ExamplePath(), "--data", Path.Combine(fixture.Directory, "absent"), option, value])
            { RedirectStandardError = true, RedirectStandardOutput = true };
        using var child = Process.Start(start)!;
        string stderr = child.StandardError.ReadToEnd();
        child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        child.ExitCode.Should().NotBe(0);
        stderr.Should().Contain(message);
    }

    private static string ExamplePath()
    {
        // tests/GaNas.MLNet.Tests/bin/<Configuration>/net10.0 -> examples/FashionMnist/bin/<Configuration>/net10.0
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string configuration = dir.Parent!.Name;
        var root = dir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "GaNas.MLNet.sln"))) root = root.Parent;
        string path = Path.Combine(root!.FullName, "examples", "FashionMnist", "bin", configuration, "net10.0", "FashionMnist.dll");
        File.Exists(path).Should().BeTrue($"the example is built with this test project (a ProjectReference without its assembly): {path}");
        return path;
    }

    [Fact]
    public void Corrupt_model_files_are_refused_with_an_error()
    {
        string path = Path.Combine(fixture.Directory, "corrupt.zip");
        _ml.Model.Save(fixture.Model, fixture.Train.Schema, path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var fresh = new MLContext();
        fresh.Model.RegisterTrainingFreeNas();
        var act = () => fresh.Model.Load(path, out _).Transform(fixture.Test).GetColumn<float[]>("Score").First();
        act.Should().Throw<Exception>();
        var blob = () => NetworkModel.FromBytes([1, 2, 3]);
        blob.Should().Throw<InvalidDataException>().WithMessage("*not a GaNas model*");
    }
}

