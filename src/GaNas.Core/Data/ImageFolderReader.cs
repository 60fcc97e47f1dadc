namespace GaNas.Data;

/// <summary>
/// Reads the ML.NET image-folder convention: one subfolder per class (sorted by name = label
/// order), JPEG, PNG, BMP or GIF files inside (<see cref="ImageDecoder"/>). All images must share one size; a
/// mis-sized or unreadable image is reported by path.
/// </summary>
public static class ImageFolderReader
{
    /// <summary>Reads every image under the class subfolders of <paramref name="root"/>; other files are skipped.</summary>
    public static ImageDataset Read(string root, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder '{root}' does not exist.");
        string[] classes = Directory.GetDirectories(root).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new InvalidDataException($"Image folder '{root}' has no class subfolders (expected <root>/<class>/<image>.png or .jpg).");
        var labels = new List<int>();
        var images = new List<byte[]>();
        int width = -1, height = -1;
        string? first = null;
        for (int label = 0; label < classes.Length; label++)
        {
            foreach (string file in Directory.GetFiles(classes[label]).OrderBy(f => f, StringComparer.Ordinal))
            {
                if (!ImageDecoder.Extensions.Contains(Path.GetExtension(file).ToLowerInvariant())) continue;
                DecodedImage image = ImageDecoder.Decode(file, channels);
                if (first is null)
                {
                    (width, height, first) = (image.Width, image.Height, file);
                }
                else if (image.Width != width || image.Height != height)
                {
                    throw new InvalidDataException($"Image '{file}' is {image.Width}x{image.Height}, but '{first}' is {width}x{height}; all images must have one size.");
                }
                images.Add(ToPlanar(image));
                labels.Add(label);
            }
        }
        if (images.Count == 0) throw new InvalidDataException($"Image folder '{root}' contains no images ({string.Join(", ", ImageDecoder.Extensions)}).");
        int size = images[0].Length;
        var pixels = new byte[images.Count * size];
        for (int i = 0; i < images.Count; i++) images[i].CopyTo(pixels, i * size);
        return new ImageDataset(pixels, labels.ToArray(), channels, height, width, classes.Select(Path.GetFileName).ToArray()!, root);
    }

    /// <summary>Interleaved HWC bytes to planar CHW.</summary>
    public static byte[] ToPlanar(DecodedImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        int plane = image.Width * image.Height;
        var planar = new byte[plane * image.Channels];
        for (int p = 0; p < plane; p++)
        {
            for (int c = 0; c < image.Channels; c++) planar[c * plane + p] = image.Pixels[p * image.Channels + c];
        }
        return planar;
    }
}
