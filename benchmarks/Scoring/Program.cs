// Scoring speed of a saved GaNas model on encoded images (the shared CIFAR-10 PNGs, cycled): the model loaded with
// mlContext.Model.Load (the saved chain, one forward pass per row) against LoadTrainingFreeNas (batches of rows),
// both through Transform in alternating rounds (the median round's figures, and every round's ratio), and a
// PredictionEngine's latency per image. Prints one JSON object.
using System.Diagnostics;
using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

int rows = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10_000;
int channels = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 16;
int threads = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 2;
int rounds = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 3;

string folder = BenchmarkData.File("images", "cifar10-960");
var images = Directory.GetDirectories(folder).OrderBy(d => d, StringComparer.Ordinal)
    .SelectMany(d => Directory.GetFiles(d, "*.png").OrderBy(f => f, StringComparer.Ordinal).Select(f => new Row { Label = Path.GetFileName(d), Image = File.ReadAllBytes(f) }))
    .ToArray();

var ml = new MLContext(seed: 0);
IDataView train = ml.Data.LoadFromEnumerable(images);
var options = new TrainingFreeNasOptions
{
    ImageChannels = 3, ImageHeight = 32, ImageWidth = 32, FeatureColumnName = nameof(Row.Image), Channels = channels, CellsPerStage = 1,
    Epoch = 1, NumberOfThreads = threads, Seed = 0, AdaptToSmallData = false,
    Architecture = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
};
var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.TrainingFreeNas(options)).Fit(train);
string path = Path.Combine(Path.GetTempPath(), $"ganas-scoring-{Environment.ProcessId}.zip");
ml.Model.Save(model, train.Schema, path);

IDataView data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => images[i % images.Length]));
var context = new MLContext(seed: 0);
ITransformer batched = context.Model.LoadTrainingFreeNas(path, out _);
ITransformer rowByRow = context.Model.Load(path, out _);
File.Delete(path);

Score(batched, context.Data.TakeRows(data, 512));  // warm-up of both paths
Score(rowByRow, context.Data.TakeRows(data, 512));
// The two paths take turns, so that a slower stretch of the machine affects both; the figure is the median round.
var perRound = new List<(double Row, double Batch)>();
for (int round = 0; round < rounds; round++) perRound.Add((Score(rowByRow, data), Score(batched, data)));
var median = perRound.OrderBy(r => r.Row / r.Batch).ElementAt(rounds / 2);
(double rowSeconds, double batchSeconds) = median;

var engine = context.Model.CreatePredictionEngine<Row, Prediction>(batched);
for (int i = 0; i < 50; i++) engine.Predict(images[i]);
var latencies = new List<double>();
for (int i = 0; i < 1000; i++)
{
    var watch = Stopwatch.StartNew();
    engine.Predict(images[i % images.Length]);
    latencies.Add(watch.Elapsed.TotalMilliseconds);
}
latencies.Sort();

Console.WriteLine(JsonSerializer.Serialize(new
{
    rows,
    channels,
    threads,
    rounds,
    ratios = perRound.Select(r => Math.Round(r.Row / r.Batch, 2)).ToArray(),
    row_by_row_images_per_second = Math.Round(rows / rowSeconds, 1),
    batched_images_per_second = Math.Round(rows / batchSeconds, 1),
    batched_over_row_by_row = Math.Round(rowSeconds / batchSeconds, 2),
    prediction_engine_median_ms = Math.Round(latencies[latencies.Count / 2], 3),
    prediction_engine_p95_ms = Math.Round(latencies[(int)(latencies.Count * 0.95)], 3),
}));

static double Score(ITransformer model, IDataView data)
{
    var watch = Stopwatch.StartNew();
    float checksum = 0;
    foreach (float[] score in model.Transform(data).GetColumn<float[]>("Score")) checksum += score[0];
    if (float.IsNaN(checksum)) throw new InvalidOperationException("NaN scores.");
    return watch.Elapsed.TotalSeconds;
}

internal sealed class Row
{
    public string Label { get; set; } = "";
    public byte[] Image { get; set; } = [];
}

internal sealed class Prediction
{
    public float[] Score { get; set; } = [];
}
