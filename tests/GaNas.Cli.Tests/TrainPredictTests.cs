using System.Diagnostics;
using System.Text.Json;
using GaNas.Benchmarks;
using GaNas.Data;
using Microsoft.ML.OnnxRuntime;

namespace GaNas.Tests;

/// <summary><c>ganas train</c> and <c>ganas predict</c> on a small photo folder of mixed formats and sizes.</summary>
public class TrainPredictTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ganas-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => DescribeCommandTests.Run(args);

    /// <summary>20 CIFAR-10 images of each of three classes, every third one re-encoded as JPEG at another size.</summary>
    private string PhotoFolder()
    {
        string root = Path.Combine(_dir, "photos");
        string source = BenchmarkData.File("images", "cifar10-960");
        foreach (string cls in Directory.GetDirectories(source).OrderBy(d => d, StringComparer.Ordinal).Take(3))
        {
            string target = Path.Combine(root, "class-" + Path.GetFileName(cls));
            Directory.CreateDirectory(target);
            int i = 0;
            foreach (string file in Directory.GetFiles(cls, "*.png").OrderBy(f => f, StringComparer.Ordinal).Take(20))
            {
                if (i++ % 3 == 0)
                {
                    DecodedImage big = ImageResize.To(ImageDecoder.Decode(file, 3), 48, 40);
                    File.WriteAllBytes(Path.Combine(target, Path.GetFileNameWithoutExtension(file) + ".jpg"), TestImages.Jpeg(big));
                }
                else
                {
                    File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
                }
            }
        }
        return root;
    }

    [BenchmarkFact]
    public void Train_saves_a_model_that_predict_applies_to_a_folder()
    {
        string photos = PhotoFolder(), model = Path.Combine(_dir, "model.zip"), csv = Path.Combine(_dir, "predictions.csv");
        var trained = Run("train", "--images", photos, "--out", model, "--image-size", "16", "--channels", "4", "--evaluations", "4", "--epochs", "2", "--threads", "1");
        trained.Code.Should().Be(0, trained.Err);
        using (var doc = JsonDocument.Parse(trained.Out))
        {
            doc.RootElement.GetProperty("images").GetInt32().Should().Be(60);
            doc.RootElement.GetProperty("classes").GetInt32().Should().Be(3);
            doc.RootElement.GetProperty("arch").GetString().Should().StartWith("|");
        }
        File.Exists(model).Should().BeTrue();

        var predicted = Run("predict", "--model", model, "--images", photos, "--out", csv);
        predicted.Code.Should().Be(0, predicted.Err);
        string[] lines = File.ReadAllLines(csv);
        lines[0].Should().Be("path,predicted,p_class-000,p_class-001,p_class-002");
        lines.Should().HaveCount(61);
        lines.Skip(1).Select(l => l.Split(',')[1]).Should().OnlyContain(c => c.StartsWith("class-", StringComparison.Ordinal));
        lines.Skip(1).Select(l => l.Split(',').Skip(2).Sum(double.Parse)).Should().OnlyContain(total => Math.Abs(total - 1) < 1e-4);

        // One file, and the same answer for it as in the folder run.
        string one = Directory.GetFiles(Path.Combine(photos, "class-001"), "*.jpg").Order(StringComparer.Ordinal).First();
        var single = Run("predict", "--model", model, "--images", one, "--out", Path.Combine(_dir, "one.csv"));
        single.Code.Should().Be(0, single.Err);
        File.ReadAllLines(Path.Combine(_dir, "one.csv"))[1].Should().Be(lines.Single(l => l.StartsWith(one + ",", StringComparison.Ordinal)));

        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 2)]);
        var broken = Run("predict", "--model", model, "--images", photos, "--out", csv);
        broken.Code.Should().Be(1);
        broken.Err.Should().Contain("model.zip");
    }

    [BenchmarkFact]
    public void Train_with_a_validation_folder_a_given_architecture_and_onnx_then_export_writes_the_same_onnx()
    {
        string photos = PhotoFolder(), model = Path.Combine(_dir, "model.zip"), onnx = Path.Combine(_dir, "model.onnx"), exported = Path.Combine(_dir, "exported.onnx");
        const string Arch = "|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|none~0|nor_conv_1x1~1|skip_connect~2|";
        var trained = Run("train", "--images", photos, "--val", photos, "--arch", Arch, "--out", model, "--onnx", onnx,
            "--image-size", "16", "--channels", "4", "--epochs", "2", "--threads", "1");
        trained.Code.Should().Be(0, trained.Err);
        using (var doc = JsonDocument.Parse(trained.Out))
        {
            doc.RootElement.GetProperty("arch").GetString().Should().Be(Arch);
            doc.RootElement.GetProperty("evaluations").GetInt32().Should().Be(0, "a given architecture is not searched");
            doc.RootElement.GetProperty("validation_images").GetInt32().Should().Be(60);
        }
        using (var session = new InferenceSession(onnx))
        {
            session.InputMetadata["input"].Dimensions.Should().Equal(-1, 3, 16, 16);
            JsonSerializer.Deserialize<string[]>(session.ModelMetadata.CustomMetadataMap["labels"]).Should().Equal("class-000", "class-001", "class-002");
            session.ModelMetadata.CustomMetadataMap["architecture"].Should().Be(Arch);
        }
        var export = Run("export", "--model", model, "--out", exported);
        export.Code.Should().Be(0, export.Err);
        File.ReadAllBytes(exported).Should().Equal(File.ReadAllBytes(onnx));

        var badArch = Run("train", "--images", photos, "--arch", "|nor_conv_3x3~0|", "--out", model);
        badArch.Code.Should().NotBe(0);
        badArch.Err.Should().Contain("Architecture");
    }

    /// <summary>The CLI in its own process (its build output is copied next to the tests).</summary>
    private static Process StartCli(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ganas.dll"));
        foreach (string a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    [BenchmarkFact]
    public void A_train_killed_during_epoch_2_of_3_resumes_without_searching_and_predicts_as_an_unbroken_run()
    {
        string photos = BenchmarkData.File("images", "cifar10-960");
        string checkpoint = Path.Combine(_dir, "train.ckpt");
        string[] Args(string output) => ["train", "--images", photos, "--out", output, "--checkpoint", checkpoint, "--channels", "8", "--evaluations", "6",
            "--epochs", "3", "--batch-size", "32", "--keep-schedule", "--threads", "1", "--seed", "4"];

        // Killed (SIGKILL) as soon as epoch 1 is reported, i.e. during epoch 2.
        string killedModel = Path.Combine(_dir, "killed.zip");
        using (Process first = StartCli(Args(killedModel)))
        {
            first.StandardOutput.ReadToEndAsync();
            string? line;
            bool epochOne = false;
            while ((line = first.StandardError.ReadLine()) is not null)
            {
                if (line.StartsWith("[training 1/3]", StringComparison.Ordinal))
                {
                    epochOne = true;
                    first.Kill();
                    break;
                }
            }
            first.WaitForExit();
            epochOne.Should().BeTrue("the first run reaches epoch 1 before it is killed");
        }
        File.Exists(killedModel).Should().BeFalse();
        File.Exists(checkpoint).Should().BeTrue();
        File.Exists(checkpoint + ".search.json").Should().BeTrue();

        // The same command again resumes: no new search, training from epoch 2.
        string resumedModel = Path.Combine(_dir, "resumed.zip");
        using (Process second = StartCli(Args(resumedModel)))
        {
            Task<string> output = second.StandardOutput.ReadToEndAsync();
            string err = second.StandardError.ReadToEnd();
            second.WaitForExit();
            second.ExitCode.Should().Be(0, err);
            err.Should().Contain("search: resumed from").And.NotContain("[search 1/");
            err.Should().NotContain("[training 1/3]").And.Contain("[training 2/3]").And.Contain("[training 3/3]");
            output.Result.Should().Contain("\"arch\"");
        }

        // An unbroken run of the same settings (in this process, no checkpoint) predicts exactly the same.
        string unbrokenModel = Path.Combine(_dir, "unbroken.zip");
        var unbroken = Run(Args(unbrokenModel).Where((a, i) => a != "--checkpoint" && (i == 0 || Args(unbrokenModel)[i - 1] != "--checkpoint")).ToArray());
        unbroken.Code.Should().Be(0, unbroken.Err);
        string resumedCsv = Path.Combine(_dir, "resumed.csv"), unbrokenCsv = Path.Combine(_dir, "unbroken.csv");
        Run("predict", "--model", resumedModel, "--images", photos, "--out", resumedCsv).Code.Should().Be(0);
        Run("predict", "--model", unbrokenModel, "--images", photos, "--out", unbrokenCsv).Code.Should().Be(0);
        File.ReadAllLines(resumedCsv).Should().HaveCount(961).And.Equal(File.ReadAllLines(unbrokenCsv));
    }
}
