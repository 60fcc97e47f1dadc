using System.CommandLine;
using System.Globalization;
using GaNas.MLNet;
using GaNas.Runtime;
using GaNas.Scoring;
using Microsoft.ML;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas train</c>: an image folder (one subfolder per class; JPEG, PNG, BMP or GIF of any size) in, a saved ML.NET
/// model out: the ML.NET trainer's search and training, from the command line.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(CommandIO io)
    {
        var images = new Option<string>("--images") { Description = "Folder with one subfolder of images per class.", Required = true };
        var val = new Option<string?>("--val") { Description = "Validation folder (same class subfolders) to pick the best epoch on, instead of holding out --validation-fraction of --images." };
        var onnx = new Option<string?>("--onnx") { Description = "Also write the trained network as an ONNX model (input: float N x C x H x W raw pixels 0-255; output: probabilities)." };
        var arch = new Option<string?>("--arch") { Description = "Train this architecture of --space (canonical string) without searching." };
        var output = new Option<string>("--out") { Description = "The saved model (.zip), loadable with mlContext.Model.Load or ganas predict.", Required = true };
        var size = new Option<int>("--image-size") { Description = "Images are resized to this height and width.", DefaultValueFactory = _ => 32 }.InRange(4, TrainingFreeNasLimits.MaxImageSide);
        var grey = new Option<bool>("--grey") { Description = "Train on grey images (1 channel) instead of RGB." };
        var space = CommonOptions.Space();
        space.Required = false;
        space.DefaultValueFactory = _ => "tss";
        var strategy = CommonOptions.Strategy();
        strategy.Required = false;
        strategy.DefaultValueFactory = _ => "ga";
        var score = CommonOptions.Score();
        var evaluations = new Option<int>("--evaluations") { Description = "Unique architectures scored by the search.", DefaultValueFactory = _ => 100 }.InRange(1, 32_768);
        var channels = new Option<int>("--channels") { Description = "Width C of the first stage.", DefaultValueFactory = _ => 16 }.InRange(1, TrainingFreeNasLimits.MaxChannels);
        var cells = new Option<int>("--cells") { Description = "Cells per stage N.", DefaultValueFactory = _ => 1 }.InRange(0, TrainingFreeNasLimits.MaxCellsPerStage);
        var epochs = new Option<int>("--epochs") { Description = "Epochs of the final training.", DefaultValueFactory = _ => 10 }.InRange(1, 10_000);
        var batchSize = new Option<int>("--batch-size") { Description = "Images per SGD step.", DefaultValueFactory = _ => 128 }.InRange(2, 4096);
        var validation = new Option<double?>("--validation-fraction") { Description = "Share of the images held out to pick the best epoch (default 0.1)." }.InRange(0, 0.9);
        var keepSchedule = new Option<bool>("--keep-schedule") { Description = "Train exactly --epochs and --batch-size even on few images (the small-data rule only warns)." };
        var threads = CommonOptions.Threads();
        var seed = new Option<int>("--seed") { Description = "Seed of the search and the training.", DefaultValueFactory = _ => 0 };
        var timeBudget = new Option<double?>("--time-budget") { Description = "Seconds for search and training together; the training ends sooner, with its schedule re-planned, when the epochs do not fit." }.InRange(0, 31_536_000, exclusiveMin: true);
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Training checkpoint, written after every epoch; rerun the same command to resume a killed training from it." };
        var command = new Command("train", "Search a network for an image folder without training candidates, train the winner and save an ML.NET model.")
        {
            images, val, output, onnx, arch, size, grey, space, strategy, score, evaluations, channels, cells, epochs, batchSize, keepSchedule, validation, threads, seed, timeBudget, checkpoint,
        };
        var where = ClusterScoring.ClusterOptions.Create(workers: false);
        foreach (Option option in where.All) command.Options.Add(option);
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            TorchRuntime.RetainFreedMemory(); // a command that trains: freed feature maps are reused (docs/performance.md)
            string outPath = parse.GetValue(output)!;
            OptionRules.EnsureWritable(outPath, "--out");
            if (parse.GetValue(checkpoint) is { } checkpointPath) OptionRules.EnsureWritable(checkpointPath, "--checkpoint");
            if (parse.GetValue(onnx) is { } onnxPath) OptionRules.EnsureWritable(onnxPath, "--onnx");
            if (parse.GetValue(val) is not null && parse.GetValue(validation) is not null) throw new ArgumentException("--val and --validation-fraction exclude each other.");
            var ml = new MLContext(seed: parse.GetValue(seed));
            var files = ImageFile.List(parse.GetValue(images)!);
            IDataView data = ml.Data.LoadFromEnumerable(files);
            int side = parse.GetValue(size);
            var options = new TrainingFreeNasOptions
            {
                ImageChannels = parse.GetValue(grey) ? 1 : 3, ImageHeight = side, ImageWidth = side,
                SearchSpace = parse.GetValue(space) == "sss" ? NasSearchSpace.Size : NasSearchSpace.Topology,
                StrategyName = parse.GetValue(strategy), Score = parse.GetValue(score)!, Evaluations = parse.GetValue(evaluations),
                Channels = parse.GetValue(channels), CellsPerStage = parse.GetValue(cells), Epoch = parse.GetValue(epochs), BatchSize = parse.GetValue(batchSize),
                ValidationSetFraction = parse.GetValue(validation) ?? 0.1, NumberOfThreads = parse.GetValue(threads) is > 0 and var t ? t : null,
                AdaptToSmallData = !parse.GetValue(keepSchedule), Architecture = parse.GetValue(arch), Seed = parse.GetValue(seed), CancellationToken = cancel, TrainingCheckpointPath = parse.GetValue(checkpoint),
                TimeBudget = parse.GetValue(timeBudget) is double seconds ? TimeSpan.FromSeconds(seconds) : null,
                Progress = new GaNas.Runtime.SyncProgress<TrainingFreeNasProgress>(p => io.Error.WriteLine($"[{p.Phase} {p.Done}/{p.Total}] {p.Message}")),
            };
            // Loading the bytes is part of the saved pipeline, so the model takes image paths, as ganas predict gives it.
            var reading = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.LoadRawImageBytes("Features", null, nameof(ImageFile.ImagePath))).Fit(data);
            int validationImages = 0;
            if (parse.GetValue(val) is { } valFolder)
            {
                var valFiles = ImageFile.List(valFolder);
                validationImages = valFiles.Count;
                options.ValidationSet = reading.Transform(ml.Data.LoadFromEnumerable(valFiles));
            }
            // With --cluster the search's proxies are computed on the cluster's workers; the training stays here.
            using var cluster = ClusterScoring.Connect(parse, where);
            options.SearchScorer = cluster;
            var trained = ml.MulticlassClassification.Trainers.TrainingFreeNas(options).Fit(reading.Transform(data));
            var model = reading.Append(trained);
            ml.Model.Save(model, data.Schema, outPath);
            if (parse.GetValue(onnx) is { } onnxOut)
            {
                using var stream = File.Create(onnxOut);
                trained.ExportOnnx(stream);
            }
            var summary = trained.Summary;
            var last = summary.TrainingCurve.Count > 0 ? summary.TrainingCurve[^1] : null;
            io.Out.WriteLine(Json.Serialize(new Dictionary<string, object?>
            {
                ["model"] = outPath,
                ["onnx"] = parse.GetValue(onnx),
                ["images"] = files.Count,
                ["validation_images"] = validationImages,
                ["classes"] = files.Select(f => f.Label).Distinct(StringComparer.Ordinal).Count(),
                ["space"] = summary.SearchSpace,
                ["arch"] = summary.Architecture,
                ["score"] = summary.Score,
                ["evaluations"] = summary.Evaluations,
                ["parameters"] = summary.Parameters,
                ["macs"] = summary.MultiplyAccumulates,
                ["best_epoch"] = summary.BestEpoch,
                ["validation_accuracy"] = last is null || double.IsNaN(last.ValidationAccuracy) ? null : summary.TrainingCurve[summary.BestEpoch - 1].ValidationAccuracy,
                ["search_seconds"] = summary.SearchSeconds,
                ["train_seconds"] = summary.TrainSeconds,
                ["warnings"] = summary.Warnings,
                ["cluster"] = parse.GetValue(where.Cluster),
            }));
            return 0;
        })));
        return command;
    }
}
