Attribute VB_Name = "RibbonXltools"
' Ribbon callbacks of the xltools add-in: the buttons of the tab in customUI.xml.
' ASCII only: the VBA project's code page is 1252, so every text a user reads
' comes from Python (xltools.excel.ribbon) or from the ribbon XML, never from here.
Option Explicit

' One callback for every Python button: the button's tag names the action in
' xltools.excel.ribbon.ACTIONS, so a new button is a new <button> in the XML only.
Sub XltoolsAction(control As IRibbonControl)
    RunPython "import xltools.excel.ribbon; xltools.excel.ribbon.dispatch('" & control.Tag & "')"
End Sub

' Registers the worksheet functions (XT_*) of the module named by "UDF Modules" in
' the add-in's xltools.conf sheet. xlwings writes the wrappers into this add-in, not
' into the active workbook: they call XLPy in the xlwings module, which only this
' project has. Saving keeps them for the next start of Excel.
Sub XltoolsImportUdfs(control As IRibbonControl)
    ImportPythonUDFsToAddin
    On Error Resume Next
    ThisWorkbook.Save
End Sub
