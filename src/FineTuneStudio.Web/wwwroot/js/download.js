// Saves a file the server streams over the circuit, for files that exist only in the page's session
// (the records an import left out); files with an address are plain links instead.
export async function saveStream(fileName, streamReference) {
    const buffer = await streamReference.arrayBuffer();
    const url = URL.createObjectURL(new Blob([buffer]));
    const link = document.createElement("a");
    link.href = url;
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
}
